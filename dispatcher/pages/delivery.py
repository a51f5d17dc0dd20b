"""What became of each page: Twilio's delivery receipts, and pages that can never arrive.

An undelivered or failed page does not wait for its deadline: the lead moves to the
next salesperson at once (pages.close_and_reassign, the same one conditional update as
a miss), with the reason in words on the lead's timeline. The same Twilio codes returned
when sending (pages.sending) go through ``page_undeliverable`` too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatcher.leads.timeline import record_event
from dispatcher.models import Lead, Page, PageState, Salesperson
from dispatcher.office.controls import record_change
from dispatcher.pages.service import close_and_reassign
from dispatcher.sms.opt_out import ON_TWILIOS_LIST, opt_out
from dispatcher.unit_of_work import queue_after_commit
from dispatcher.voice import outage

log = logging.getLogger(__name__)

# Twilio's statuses in the order a message moves through them; a late receipt for an
# earlier status must not overwrite a later one.
STATUS_ORDER = ("accepted", "queued", "sending", "sent", "delivered", "undelivered", "failed")
FINAL = {"delivered", "undelivered", "failed"}
UNDELIVERED = {"undelivered", "failed"}
# Twilio's call statuses that end a call (a voice page's, dispatcher/voice/pages.py).
CALLS_ENDED = ("completed", "busy", "failed", "no-answer", "canceled")

# Twilio's error codes, in the words the coordinator and the manager read.
FAILURE_WORDS = {
    "30003": "handset unreachable",
    "30005": "unknown handset",
    "30006": "landline or unreachable carrier",
    "30007": "filtered by the carrier",
    "21610": "the salesperson opted out",
    "21614": "not a mobile number",
}
# The number itself is wrong for pages: the manager must fix it.
NUMBER_PROBLEMS = {"30005", "30006", "21614"}
OPTED_OUT = "21610"


def failure_words(code: str | int | None) -> str:
    code = str(code) if code is not None else None
    if code in FAILURE_WORDS:
        return f"{FAILURE_WORDS[code]} (Twilio {code})"
    return f"Twilio error {code}" if code else "no reason given"


@dataclass(frozen=True)
class DeliveryOutcome:
    page_id: int | None = None
    next_page_id: int | None = None  # to send after the commit
    manager_message_id: int | None = None  # likewise


def record_delivery_status(
    *,
    session: Session,
    message_sid: str,
    status: str,
    error_code: str | None,
    now: datetime,
    deadline_seconds: int,
    outage_rule: outage.OutageRule | None = None,
    voice_first: bool = False,
) -> DeliveryOutcome:
    """Store the page's latest status; a repeat or an out-of-order receipt changes nothing.
    Undelivered or failed: the lead moves on now. ``outage_rule``: the receipt also moves
    the office's SMS outage switch (dispatcher/voice/outage.py). ``voice_first``: voice
    pages can be placed, and an undelivered page goes by voice before the lead moves on."""
    page = session.scalar(select(Page).where(Page.message_sid == message_sid))
    if page is None:
        return DeliveryOutcome()
    before = page.delivery_status
    if status == before or before in FINAL or _rank(status) < _rank(before):
        return DeliveryOutcome(page.id)
    # Conditional on the status we read, so two copies of a receipt racing act once.
    changed = session.execute(
        update(Page)
        .where(
            Page.id == page.id,
            Page.delivery_status.is_(None) if before is None else Page.delivery_status == before,
        )
        .values(delivery_status=status)
    )
    if changed.rowcount != 1:
        return DeliveryOutcome(page.id)
    session.refresh(page)
    office_id = session.scalar(select(Lead.office_id).where(Lead.id == page.lead_id))
    if status == "delivered" and outage_rule is not None:
        outage.after_delivery(session=session, office_id=office_id, now=now)
    if status not in UNDELIVERED:
        return DeliveryOutcome(page.id)
    record_event(
        session=session,
        lead_id=page.lead_id,
        kind="page_" + status,
        at=now,
        page_id=page.id,
        detail=f"Not delivered: {failure_words(error_code)}",
    )
    if outage_rule is not None:
        session.flush()
        outage.after_failure(session=session, office_id=office_id, now=now, rule=outage_rule)
    return page_undeliverable(
        session=session,
        page=page,
        code=error_code,
        what="was not delivered",
        now=now,
        deadline_seconds=deadline_seconds,
        voice_first=voice_first,
    )


def page_undeliverable(
    *,
    session: Session,
    page: Page,
    code: str | int | None,
    what: str,
    now: datetime,
    deadline_seconds: int,
    voice_first: bool = False,
) -> DeliveryOutcome:
    """The page will never reach the salesperson: note a bad number or an opt-out on their
    record, and give the lead to the next salesperson if the page is still open.

    ``voice_first``: a page not yet tried by voice is called first (dispatcher/voice/
    pages.py; the call queued after the commit), and one whose call is still going waits
    for its end: the lead moves on only after voice too failed."""
    code = str(code) if code is not None else None
    person = page.salesperson
    told = None
    if person is not None:
        if code in NUMBER_PROBLEMS:
            flag_number(session=session, person=person, code=code, now=now)
        elif code == OPTED_OUT:
            # Twilio has them on its opt-out list (a STOP we never saw): routing must
            # skip them, or every lead would try them first.
            told = opt_out(session=session, person=person, how=ON_TWILIOS_LIST, now=now)
    if person is None or page.state != PageState.OPEN:
        return DeliveryOutcome(page.id, manager_message_id=told)
    if voice_first and page.call_placed_at is None:
        record_event(
            session=session,
            lead_id=page.lead_id,
            kind="page_call",
            at=now,
            page_id=page.id,
            detail=f"The page to {person.name} {what}: calling them before the lead moves on",
        )
        queue_after_commit(session, page_calls=[page.id])
        return DeliveryOutcome(page.id, manager_message_id=told)
    if voice_first and page.call_sid is not None and page.call_status not in CALLS_ENDED:
        return DeliveryOutcome(page.id, manager_message_id=told)  # the call's end decides
    closing = close_and_reassign(
        session=session,
        page=page,
        state=PageState.FAILED,
        now=now,
        deadline_seconds=deadline_seconds,
        why=f"The page to {person.name} {what}: {failure_words(code)}",
    )
    log.info("page %s undeliverable (%s): lead %s moves on", page.id, code, page.lead_id)
    return DeliveryOutcome(page.id, next_page_id=closing.next_page_id, manager_message_id=told)


def flag_number(*, session: Session, person: Salesperson, code: str, now: datetime) -> None:
    """Flag the salesperson's mobile for the manager (shown on the salespeople page)."""
    problem = failure_words(code)
    if person.number_problem == problem:
        return
    person.number_problem, person.number_problem_at = problem, now
    record_change(
        session=session,
        office_id=person.office_id,
        actor="twilio",
        now=now,
        kind="number_problem",
        detail=f"{person.name}'s mobile cannot receive pages: {problem}",
    )


def _rank(status: str | None) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else -1
