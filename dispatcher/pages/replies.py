"""A salesperson's SMS reply to a page, recorded once per MessageSid.

OK acknowledges (their one open page, the one the ref names, or OK ALL), NO / PASS
passes the lead on at once, DONE reports the outcome of the call-back (C7), TURN tells
their place in the rotation, IN / OUT / BUSY / BACK say where they are
(office/availability), SWAP YES / SWAP NO answer a colleague's swap, HELP lists the
words, STOP / START opt out of SMS pages and back in. A bare OK or NO that could mean
more than one page acts on none (pages.reply_choices).
Nothing here commits; the webhook does, then queues what the outcome lists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.language import N_, sentences
from dispatcher.leads.outcomes import OUTCOMES, record_outcome
from dispatcher.models import InboundMessage, Lead, Office, Page, PageState, Salesperson
from dispatcher.office.availability import say_own_status
from dispatcher.office.swaps import answer_swap
from dispatcher.pages.reply_choices import and_list, unclear
from dispatcher.pages.service import (
    acknowledge_page,
    close_and_reassign,
    open_page_for,
    open_pages_for,
)
from dispatcher.pages.taken import (
    COLLEAGUE,
    MAILBOX,
    TAKEN_STATES,
    taken_words,
    where_it_went,
)
from dispatcher.pages.turn import turn_answer
from dispatcher.phones import masked
from dispatcher.sms.opt_out import TEXTED_STOP, opt_in, opt_out

log = logging.getLogger(__name__)

# The English texts; each is sent in the office's language (gettext where it is used).
# The translations of HELP_TEXT name the words of their language (callbacks/replies.py
# OFFICE_WORDS; tests/test_languages.py checks they do).
HELP_TEXT = N_(
    "Reply OK to take a page (OK 12: Ref 12, OK ALL: all); NO or PASS passes it on; "
    "DONE 12 appointment set reports your call; TURN: your place. IN, OUT, BUSY or BACK "
    "says where you are; SWAP YES or SWAP NO answers a swap. STOP ends pages, START resumes."
)
_DONE_HELP = N_(
    "Send DONE, the ref and the result, e.g. DONE 12 appointment set. Results: %(results)s."
)
# The result words stay in English: they are what the salesperson types after DONE.
DONE_HELP = _DONE_HELP % {"results": ", ".join(OUTCOMES.values())}
# A client texting the office number reaches no one: tell them to call, nothing more.
UNKNOWN_NUMBER_REPLY = N_(
    "Thank you for your message. This number does not read texts: please call it."
)


def help_text() -> str:
    """HELP's answer in the language in force."""
    return gettext(HELP_TEXT)


def done_help() -> str:
    return gettext(_DONE_HELP, results=", ".join(OUTCOMES.values()))


REPLY_LIMIT = 320  # InboundMessage.reply


@dataclass(frozen=True)
class ReplyOutcome:
    outcome: str
    reply: str
    # To queue after the commit: the next salesperson's page, the manager's SMS.
    pages_to_send: tuple[int, ...] = ()
    manager_messages: tuple[int, ...] = ()


@dataclass(frozen=True)
class Reply:
    """What the message said (callbacks.replies.parse_reply reads it from the text)."""

    command: str  # ack | decline | done | turn | status | swap | help | stop | start | unknown
    ref: int | None = None
    outcome: str | None = None
    opt_in: bool = False  # also one of Twilio's opt-in words (YES)
    # The word that declined (NO, PASS), kept on the timeline; the status said (IN, OUT,
    # BUSY, BACK); a swap's answer (YES, NO).
    word: str = ""
    every_open: bool = False  # OK ALL


@dataclass(frozen=True)
class ReplySettings:
    deadline_seconds: int
    # C4: the client's details in the SMS that confirms an acknowledgement (default off).
    details_in_ack: bool = False
    # A bare OK or NO this soon after one of their pages was taken acts on no page.
    late_reply_minutes: int = 15


def earlier_delivery(*, session: Session, message_sid: str) -> InboundMessage | None:
    return session.scalar(select(InboundMessage).where(InboundMessage.message_sid == message_sid))


def handle_reply(
    *,
    session: Session,
    message_sid: str,
    from_number: str,
    reply: Reply,
    now: datetime,
    settings: ReplySettings,
    office_id: int,
) -> ReplyOutcome:
    """Act on the reply and remember it under its MessageSid, so a repeat delivery
    answers the same and changes nothing. The body is never kept nor logged.

    ``office_id``: the office whose number was texted. Its pages go out from that
    number, so a reply answers one of its pages: the sender is that office's salesperson
    (someone working in two offices has one mobile and a salesperson row in each), and
    OK, NO and the bare-OK rule act on that office's pages only."""
    seen = earlier_delivery(session=session, message_sid=message_sid)
    if seen is not None:
        return ReplyOutcome(seen.outcome, seen.reply)  # nothing to queue again
    person = session.scalar(
        select(Salesperson).where(
            Salesperson.office_id == office_id, Salesperson.mobile == from_number
        )
    )
    if person is None and reply.command in ("stop", "start"):
        # Someone who is no salesperson (a caller sent "sorry we missed your call"):
        # remembered under their number, so no such SMS goes to them after a STOP
        # (dispatcher/voice/missed.py). Twilio answers STOP and START itself.
        result = ReplyOutcome("caller_" + reply.command, "")
    elif person is None:
        log.info("sms from an unknown number %s: nothing done", masked(from_number))
        result = ReplyOutcome("unknown_number", gettext(UNKNOWN_NUMBER_REPLY))
    else:
        result = _act(session=session, person=person, reply=reply, now=now, settings=settings)
        log.info("sms from salesperson %s: %s", person.id, result.outcome)
    # Cut once, so a repeat delivery answers exactly what the first got.
    result = replace(result, reply=result.reply[:REPLY_LIMIT])
    session.add(
        InboundMessage(
            message_sid=message_sid,
            from_number=from_number,
            received_at=now,
            outcome=result.outcome,
            reply=result.reply,
        )
    )
    return result


def _act(
    *, session: Session, person: Salesperson, reply: Reply, now: datetime, settings: ReplySettings
) -> ReplyOutcome:
    if reply.command == "stop":
        told = opt_out(session=session, person=person, how=TEXTED_STOP, now=now)
        # Twilio answers STOP itself and delivers nothing more to the number, ours included.
        return ReplyOutcome("opted_out", "", manager_messages=_ids(told))
    if reply.command == "start" or (reply.opt_in and person.sms_opted_out):
        # YES is Twilio's opt-in word too: Twilio has re-subscribed them, so must we.
        told = opt_in(session=session, person=person, now=now)
        said = gettext("You will get pages again.")
        return ReplyOutcome("opted_in", said, manager_messages=_ids(told))
    if reply.command in ("ack", "decline") and reply.ref is None and not reply.every_open:
        answer = _bare(session=session, person=person, reply=reply, now=now, settings=settings)
        if answer is not None:
            return answer
    if reply.command == "ack" and reply.every_open:
        return _acknowledge_all(session=session, person=person, now=now, settings=settings)
    if reply.command == "ack":
        return take_page(session=session, person=person, ref=reply.ref, now=now, settings=settings)
    if reply.command == "decline":
        return _decline(session=session, person=person, reply=reply, now=now, settings=settings)
    if reply.command == "done":
        return _report(session=session, person=person, reply=reply, now=now)
    if reply.command == "turn":
        return ReplyOutcome("turn", turn_answer(session=session, person=person))
    if reply.command == "status":
        said = say_own_status(session=session, person=person, word=reply.word, now=now)
        return ReplyOutcome("status", said)
    if reply.command == "swap":
        said = answer_swap(
            session=session,
            colleague=person,
            swap_id=reply.ref,
            accept=reply.word == "YES",
            how="sms",
            now=now,
        )
        return ReplyOutcome("swap", said)
    if reply.command == "help":
        return ReplyOutcome("help", help_text())
    return ReplyOutcome("not_understood", sentences(gettext("Sorry, not understood."), help_text()))


def _bare(
    *, session: Session, person: Salesperson, reply: Reply, now: datetime, settings: ReplySettings
) -> ReplyOutcome | None:
    """A bare OK or NO that must act on no page (several open, or one just taken), with
    the reply that says so; None when it means their one open page."""
    said = unclear(
        session=session,
        salesperson_id=person.id,
        word="OK" if reply.command == "ack" else "NO",
        now=now,
        late_reply_minutes=settings.late_reply_minutes,
        timezone=session.get(Office, person.office_id).timezone,
    )
    return ReplyOutcome(*said) if said is not None else None


def _ids(message_id: int | None) -> tuple[int, ...]:
    return (message_id,) if message_id is not None else ()


def _open_page(*, session: Session, person: Salesperson, ref: int | None) -> Page | None:
    """The newest open page sent to them, or the one for ``ref``."""
    return open_page_for(session=session, salesperson_id=person.id, lead_id=ref)


def take_page(
    *,
    session: Session,
    person: Salesperson,
    ref: int | None,
    now: datetime,
    settings: ReplySettings,
    by: str = "sms",
) -> ReplyOutcome:
    """OK: their open page for ``ref`` (their newest when None) is acknowledged; too
    late, the answer says what became of it. ``by`` is how: an SMS, or the OK button on
    their page ("page")."""
    page = _open_page(session=session, person=person, ref=ref)
    if page is not None and acknowledge_page(
        session=session, page_id=page.id, now=now, by=by, actor=person.name
    ):
        return _acknowledge_reply(session.get(Lead, page.lead_id), settings)
    return _too_late(session=session, person=person, ref=ref, now=now)


def _acknowledge_all(
    *, session: Session, person: Salesperson, now: datetime, settings: ReplySettings
) -> ReplyOutcome:
    """OK ALL: every page open to them, oldest first."""
    taken = []
    for page in reversed(open_pages_for(session=session, salesperson_id=person.id)):
        if acknowledge_page(session=session, page_id=page.id, now=now, by="sms", actor=person.name):
            taken.append(session.get(Lead, page.lead_id))
    if not taken:
        return _too_late(session=session, person=person, ref=None, now=now)
    if len(taken) == 1:
        return _acknowledge_reply(taken[0], settings)
    refs = and_list([gettext("Ref %(ref)s", ref=lead.id) for lead in taken])
    yours = gettext("Thanks, %(refs)s are yours.", refs=refs)
    after = gettext("After each call, reply DONE, the ref and the result.")
    details_by_call = gettext("Call the office for the clients' details.")
    call = sentences(yours, details_by_call, after)
    if settings.details_in_ack:
        details = " ".join(
            gettext("Ref %(ref)s: %(details)s", ref=lead.id, details=client_details(lead))
            for lead in taken
        )
        with_details = sentences(yours, details, after)
        # Cut, a number would be wrong: past one reply, the details come by call.
        if len(with_details) <= REPLY_LIMIT:
            return ReplyOutcome("acknowledged_all", with_details)
    return ReplyOutcome("acknowledged_all", call)


def _acknowledge_reply(lead: Lead, settings: ReplySettings) -> ReplyOutcome:
    details = (
        client_details(lead)
        if settings.details_in_ack
        else gettext("Call the office for the client's details.")
    )
    said = {"ref": lead.id, "details": details}
    return ReplyOutcome(
        "acknowledged",
        gettext(
            "Thanks, Ref %(ref)s is yours. %(details)s "
            "After your call, reply DONE %(ref)s and the result.",
            **said,
        ),
    )


def client_details(lead: Lead) -> str:
    """The client's name, number and need, for the one office setting that allows them in
    an SMS (ACK_REPLY_INCLUDES_DETAILS) and for the salesperson's call (read out)."""
    said = {
        "name": lead.caller_name or gettext("no name given"),
        "phone": lead.caller_phone,
        "kind": lead.kind,
    }
    if lead.listing:
        return gettext(
            "The client: %(name)s, %(phone)s, a %(kind)s, about %(address)s.",
            address=lead.listing.address,
            **said,
        )
    return gettext("The client: %(name)s, %(phone)s, a %(kind)s.", **said)


def _decline(
    *,
    session: Session,
    person: Salesperson,
    reply: Reply,
    now: datetime,
    settings: ReplySettings,
) -> ReplyOutcome:
    """NO / PASS: the lead goes to the next salesperson now, not at the deadline."""
    return pass_page(
        session=session,
        person=person,
        ref=reply.ref,
        how=f"replied {reply.word or 'NO'} by SMS",
        now=now,
        deadline_seconds=settings.deadline_seconds,
    )


def pass_page(
    *,
    session: Session,
    person: Salesperson,
    ref: int | None,
    how: str,
    now: datetime,
    deadline_seconds: int,
) -> ReplyOutcome:
    """Their open page for ``ref`` (their newest when None) is passed on at once; ``how``
    they passed goes on the timeline ("replied PASS by SMS", "pressed Pass on their
    page"). The page to send next is in the outcome, to queue after the commit."""
    page = _open_page(session=session, person=person, ref=ref)
    if page is None:
        if ref is not None:
            return ReplyOutcome("no_such_page", _no_such_page(ref))
        return ReplyOutcome("nothing_open", gettext("You have no open page to pass on."))
    closing = close_and_reassign(
        session=session,
        page=page,
        state=PageState.DECLINED,
        now=now,
        deadline_seconds=deadline_seconds,
        why=f"{person.name} passed ({how})",
    )
    if not closing.closed:  # the deadline closed it first
        return _too_late(session=session, person=person, ref=page.lead_id, now=now)
    went_to = where_it_went(session=session, page=page)
    return ReplyOutcome(
        "declined",
        gettext("Ref %(ref)s is passed on to %(to)s.", ref=page.lead_id, to=_to(went_to)),
        pages_to_send=_ids(closing.next_page_id),
    )


def _to(went_to: str) -> str:
    return gettext("a colleague") if went_to == COLLEAGUE else gettext("the manager")


def _no_such_page(ref: int) -> str:
    return gettext("You have no open page with Ref %(ref)s.", ref=ref)


def _report(*, session: Session, person: Salesperson, reply: Reply, now: datetime) -> ReplyOutcome:
    """DONE <ref> <outcome>. Reporting on a page still open acknowledges it first: they
    called the client, so they called back."""
    if reply.ref is None or reply.outcome is None:
        return ReplyOutcome("outcome_not_understood", done_help())
    ref = reply.ref
    page = _open_page(session=session, person=person, ref=ref)
    if page is not None:
        acknowledge_page(session=session, page_id=page.id, now=now, by="sms", actor=person.name)
    theirs = session.scalar(
        select(Page.id).where(
            Page.lead_id == ref,
            Page.salesperson_id == person.id,
            Page.state == PageState.ACKNOWLEDGED,
        )
    )
    if theirs is None:
        return ReplyOutcome(
            "not_theirs", gettext("Ref %(ref)s is not yours to report on.", ref=ref)
        )
    lead = session.get(Lead, ref)
    record_outcome(session=session, lead=lead, person=person, outcome=reply.outcome, now=now)
    said = gettext(
        "Thanks: Ref %(ref)s, %(outcome)s, recorded.",
        ref=ref,
        outcome=gettext(OUTCOMES[reply.outcome]),
    )
    return ReplyOutcome("outcome", said)


def _too_late(
    *, session: Session, person: Salesperson, ref: int | None, now: datetime
) -> ReplyOutcome:
    """Nothing open to act on: say what became of their last page (or the one named)."""
    query = select(Page).where(Page.salesperson_id == person.id).order_by(Page.id.desc()).limit(1)
    if ref is not None:
        query = query.where(Page.lead_id == ref)
    last = session.scalar(query)
    if last is not None and last.state in (*TAKEN_STATES, PageState.DECLINED):
        went_to = where_it_went(session=session, page=last)
        if last.state == PageState.DECLINED:
            said = gettext(
                "You passed Ref %(ref)s on to %(to)s.", ref=last.lead_id, to=_to(went_to)
            )
            return ReplyOutcome("too_late", said)
        timezone = session.get(Office, person.office_id).timezone
        said = taken_words(page=last, went_to=went_to, timezone=timezone, now=now)
        return ReplyOutcome("too_late", sentences(said, gettext(MAILBOX)))
    if ref is not None:
        return ReplyOutcome("no_such_page", _no_such_page(ref))
    return ReplyOutcome("nothing_open", gettext("You have no open page to acknowledge."))
