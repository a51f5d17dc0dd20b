"""Voice pages (issue item 5).

Each salesperson chooses how pages reach them (Salesperson.page_by): by SMS; by SMS then
a call SMS_THEN_CALL_SECONDS (2 minutes) after it when still unanswered; or by call
only. While the office's SMS outage switch is on (dispatcher/voice/outage.py) every page
goes by call as well (its SMS still goes: the first delivered ends the outage). A page
whose SMS is not delivered goes by voice before the lead moves on.

The call is placed once per page (Page.call_placed_at, claimed by one conditional
update, committed before Twilio is asked) through the Calls API, with a TwiML URL under
PUBLIC_BASE_URL: "Client call for <office>, Ref 12. Press 1 to take it, 2 to pass". 1 is
the same acknowledgement as an SMS OK (pages.service.acknowledge_page, one conditional
update), then the client's details are read, after the PIN unless VOICE_PIN_REQUIRED is
off (we dialled their number, but nothing attests who answers it); 2 passes the lead on
as NO does. Nothing here commits: the job and the webhooks do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatcher.clock import deadline_after
from dispatcher.invalid_input import InvalidInput
from dispatcher.language import N_
from dispatcher.leads.calls import spoken_details
from dispatcher.leads.timeline import record_event
from dispatcher.models import Lead, Office, Page, PageState, Salesperson
from dispatcher.office.controls import record_change
from dispatcher.pages.delivery import CALLS_ENDED as CALL_ENDED
from dispatcher.pages.delivery import UNDELIVERED, page_undeliverable
from dispatcher.pages.replies import pass_page
from dispatcher.pages.service import acknowledge_page
from dispatcher.sms import office_number
from dispatcher.voice import CallFailed, voice_transport
from dispatcher.voice.webhooks import webhook_url
from dispatcher.words import PAGE_BY

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HowToPage:
    sms: bool  # send the SMS (the send job as before)
    call_now: bool  # place the call now
    call_later: bool  # place it SMS_THEN_CALL_SECONDS after the SMS, if still open


def how_to_page(*, session: Session, page_id: int) -> HowToPage:
    """How the send job pages: the salesperson's choice, or by call (and SMS) while the
    office's SMS outage switch is on. The manager's notice goes by SMS as ever; a page
    whose call could not be placed goes by SMS."""
    row = session.execute(
        select(Page.call_placed_at, Page.call_sid, Salesperson.page_by, Office.sms_outage_since)
        .join(Salesperson, Salesperson.id == Page.salesperson_id)
        .join(Lead, Lead.id == Page.lead_id)
        .join(Office, Office.id == Lead.office_id)
        .where(Page.id == page_id)
    ).first()
    if row is None:
        return HowToPage(sms=True, call_now=False, call_later=False)
    placed_at, call_sid, page_by, outage = row
    if placed_at is not None and call_sid is None:
        return HowToPage(sms=True, call_now=False, call_later=False)  # the call failed
    if page_by == "call":
        return HowToPage(sms=False, call_now=True, call_later=False)
    if outage is not None:
        return HowToPage(sms=True, call_now=True, call_later=False)
    return HowToPage(sms=True, call_now=False, call_later=page_by == "sms_then_call")


@dataclass(frozen=True)
class CallClaim:
    page_id: int
    to: str
    from_number: str | None
    deadline: datetime | None  # set when the call is the page (nothing else went out)


def claim_call(
    *, session: Session, page_id: int, now: datetime, deadline_seconds: int
) -> CallClaim | None:
    """Claim the page's one call (None: closed, or its call is placed already). A page
    that went out by no SMS starts its deadline now."""
    claimed = session.execute(
        update(Page)
        .where(Page.id == page_id, Page.state == PageState.OPEN, Page.call_placed_at.is_(None))
        .values(call_placed_at=now)
    )
    if claimed.rowcount != 1:
        return None
    page = session.get(Page, page_id)
    session.refresh(page)
    lead = session.get(Lead, page.lead_id)
    office = session.get(Office, lead.office_id)
    deadline = None
    if page.sent_at is None:
        page.sent_at = now
        page.deadline_at = deadline = deadline_after(now, office.deadline_seconds(deadline_seconds))
    return CallClaim(page.id, page.to_number, office.phone_number, deadline)


def place_call(claim: CallClaim) -> str:
    """Place the claimed page's call through the office's voice transport, its TwiML at
    callbacks/voice_pages.py's signed webhooks; its CallSid. CallFailed when it was not
    placed: the SMS goes instead (record_call_failed, how_to_page)."""
    # The Calls API is given absolute addresses Twilio fetches from outside, and the
    # job placing the call has no request whose host could stand in: PUBLIC_BASE_URL.
    if not current_app.config.get("PUBLIC_BASE_URL"):
        raise CallFailed("PUBLIC_BASE_URL is not set: Twilio could not fetch the call")
    return voice_transport().place(
        to=claim.to,
        from_number=claim.from_number or office_number(),
        url=webhook_url("callbacks.voice_page", page_id=claim.page_id),
        status_callback=webhook_url("callbacks.voice_page_status", page_id=claim.page_id),
        status_events=("completed",),
    )


def record_call_placed(*, session: Session, page_id: int, call_sid: str, now: datetime) -> None:
    page = session.get(Page, page_id)
    page.call_sid, page.call_status = call_sid, "queued"
    who = page.salesperson.name if page.salesperson else "the manager"
    record_event(
        session=session,
        lead_id=page.lead_id,
        kind="page_call",
        at=now,
        page_id=page.id,
        detail=f"Voice page: calling {who}",
    )


def record_call_failed(*, session: Session, page_id: int, why: str, now: datetime) -> None:
    """The call could not be placed: on the timeline; the SMS goes instead (how_to_page)."""
    page = session.get(Page, page_id)
    page.call_status = "not_placed"
    if page.message_sid is None:
        page.sent_at = None  # nothing went out: the SMS goes, and its deadline with it
    record_event(
        session=session,
        lead_id=page.lead_id,
        kind="page_call",
        at=now,
        page_id=page.id,
        detail=f"Voice page not placed: {why}",
    )


def page_of_call(*, session: Session, page_id: int, call_sid: str) -> Page | None:
    """The page this call carries: the id is in the signed URL, and the call must be
    the one placed for it."""
    page = session.get(Page, page_id)
    if page is None or page.call_sid != call_sid:
        return None
    return page


def page_language(*, session: Session, page: Page) -> str:
    """The language of the page's office: its call's words and voice (the webhooks)."""
    lead = session.get(Lead, page.lead_id)
    return session.get(Office, lead.office_id).language


# The question the call asks, in the language in force (the page's office's).
PROMPTS = {
    "walk_in": N_("Client visit for %(office)s, Ref %(ref)s. Press 1 to take it, 2 to pass."),
    "call": N_("Client call for %(office)s, Ref %(ref)s. Press 1 to take it, 2 to pass."),
}


def prompt_words(*, session: Session, page: Page) -> str:
    lead = session.get(Lead, page.lead_id)
    office = session.get(Office, lead.office_id)
    prompt = PROMPTS["walk_in" if lead.channel == "walk_in" else "call"]
    return gettext(prompt, office=office.name, ref=lead.id)


@dataclass(frozen=True)
class KeyAnswer:
    say: tuple[str, ...]
    ask_pin: bool = False
    ask_again: bool = False
    pages_to_send: tuple[int, ...] = ()


def answer_key(
    *,
    session: Session,
    page: Page,
    digits: str,
    now: datetime,
    deadline_seconds: int,
    pin_required: bool,
) -> KeyAnswer:
    """1: take it (the same acknowledgement as an SMS OK); 2: pass it on. A repeat of
    the callback finds the page already taken by this call and answers the same."""
    person = page.salesperson
    if digits == "1":
        taken = acknowledge_page(
            session=session, page_id=page.id, now=now, by="call", actor=person.name
        )
        session.refresh(page)
        if not taken and page.state != PageState.ACKNOWLEDGED:
            return KeyAnswer(
                (gettext("Ref %(ref)s is no longer yours to take. Goodbye.", ref=page.lead_id),)
            )
        yours = gettext("Ref %(ref)s is yours.", ref=page.lead_id)
        if pin_required and person.voice_pin_hash is None:
            return KeyAnswer(
                (yours, gettext("Set your PIN on your page to hear details by phone."))
            )
        if pin_required:
            return KeyAnswer((yours,), ask_pin=True)
        details = spoken_details(session.get(Lead, page.lead_id))
        return KeyAnswer((yours, *details, gettext("Goodbye.")))
    if digits == "2":
        passed = pass_page(
            session=session,
            person=person,
            ref=page.lead_id,
            how="pressed 2 on the voice page",
            now=now,
            deadline_seconds=deadline_seconds,
        )
        return KeyAnswer((passed.reply, gettext("Goodbye.")), pages_to_send=passed.pages_to_send)
    return KeyAnswer((gettext("Press 1 to take it, 2 to pass."),), ask_again=True)


def answer_pin(*, session: Session, page: Page, pin: str) -> tuple[str, ...]:
    """The PIN after taking the page: right, the client's details; wrong, none."""
    person = page.salesperson
    if page.state != PageState.ACKNOWLEDGED or not person.check_voice_pin(pin):
        return (gettext("That PIN is not right. Call the office for the details. Goodbye."),)
    return (*spoken_details(session.get(Lead, page.lead_id)), gettext("Goodbye."))


def call_ended(
    *, session: Session, page: Page, status: str, now: datetime, deadline_seconds: int
) -> int | None:
    """The status callback of the page's call. Its end is kept once; a page whose SMS
    was not delivered and whose call ended unanswered moves on now (the page to send
    next returned), any other waits for its deadline."""
    if status not in CALL_ENDED:
        return None
    changed = session.execute(
        update(Page)
        .where(Page.id == page.id, Page.call_status.not_in(CALL_ENDED))
        .values(call_status=status)
    )
    if changed.rowcount != 1:
        return None  # a repeat
    session.refresh(page)
    record_event(
        session=session,
        lead_id=page.lead_id,
        kind="page_call_ended",
        at=now,
        page_id=page.id,
        detail=f"Voice page call ended: {status.replace('-', ' ')}",
    )
    if page.state != PageState.OPEN or page.delivery_status not in UNDELIVERED:
        return None
    outcome = page_undeliverable(
        session=session,
        page=page,
        code=None,
        what="was not delivered and the call was not answered",
        now=now,
        deadline_seconds=deadline_seconds,
    )
    return outcome.next_page_id


def calls_due(
    *, session: Session, now: datetime, after_seconds: int, grace: timedelta
) -> list[int]:
    """The sweeper's backstop: open pages of salespeople paged "SMS then a call" whose
    SMS went out longer ago than ``after_seconds`` (and the grace) with no call yet."""
    return list(
        session.scalars(
            select(Page.id)
            .join(Salesperson, Salesperson.id == Page.salesperson_id)
            .where(
                Page.state == PageState.OPEN,
                Page.call_placed_at.is_(None),
                Page.sent_at <= now - timedelta(seconds=after_seconds) - grace,
                Salesperson.page_by == "sms_then_call",
            )
            .order_by(Page.id)
            .limit(200)
        )
    )


def set_page_by(
    *, session: Session, person: Salesperson, page_by: str, actor: str, now: datetime
) -> None:
    """How pages reach them, chosen on their page or by the manager; recorded."""
    if page_by not in PAGE_BY:
        raise InvalidInput({"page_by": gettext("Choose SMS, SMS then a call, or call only.")})
    if page_by == person.page_by:
        return
    person.page_by = page_by
    record_change(
        session=session,
        office_id=person.office_id,
        actor=actor,
        now=now,
        kind="page_by",
        detail=f"{person.name}'s pages: {PAGE_BY[page_by]}",
    )
