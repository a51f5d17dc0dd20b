"""A salesperson's SMS reply to a page, recorded once per MessageSid."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.models import InboundMessage, Page, Salesperson
from dispatcher.services.pages import acknowledge_page, open_pages_for
from dispatcher.services.phones import masked

log = logging.getLogger(__name__)

HELP_TEXT = (
    "Reply OK when you have called the office back about a page, or OK and the ref "
    "number (OK 12) to pick one page. Questions: call the office."
)


@dataclass(frozen=True)
class ReplyOutcome:
    outcome: str
    reply: str
    repeated: bool = False


def earlier_delivery(*, session: Session, message_sid: str) -> InboundMessage | None:
    return session.scalar(select(InboundMessage).where(InboundMessage.message_sid == message_sid))


def handle_reply(
    *,
    session: Session,
    message_sid: str,
    from_number: str,
    command: str,
    ref: int | None,
    now: datetime,
) -> ReplyOutcome:
    """Act on the reply (ack, help, anything else) and remember it under its MessageSid,
    so a repeat delivery answers the same and changes nothing."""
    seen = earlier_delivery(session=session, message_sid=message_sid)
    if seen is not None:
        return ReplyOutcome(seen.outcome, seen.reply, repeated=True)
    person = session.scalar(select(Salesperson).where(Salesperson.mobile == from_number))
    if person is None:
        log.info("sms from an unknown number %s ignored", masked(from_number))
        result = ReplyOutcome("unknown_number", "")
    elif command == "ack":
        result = _acknowledge(session=session, person=person, ref=ref, now=now)
    elif command == "help":
        result = ReplyOutcome("help", HELP_TEXT)
    else:
        result = ReplyOutcome("not_understood", "Sorry, not understood. " + HELP_TEXT)
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


def _acknowledge(
    *, session: Session, person: Salesperson, ref: int | None, now: datetime
) -> ReplyOutcome:
    open_pages = open_pages_for(session=session, salesperson_id=person.id)
    if ref is not None:
        open_pages = [p for p in open_pages if p.lead_id == ref]
    if open_pages:
        page = open_pages[0]
        if acknowledge_page(session=session, page_id=page.id, now=now, by="sms", actor=person.name):
            return ReplyOutcome(
                "acknowledged",
                f"Thanks, Ref {page.lead_id} is yours. Call the office for the client's details.",
            )
    return _too_late(session=session, person=person, ref=ref)


def _too_late(*, session: Session, person: Salesperson, ref: int | None) -> ReplyOutcome:
    query = select(Page).where(Page.salesperson_id == person.id).order_by(Page.id.desc()).limit(1)
    if ref is not None:
        query = query.where(Page.lead_id == ref)
    last = session.scalar(query)
    if last is not None and last.state == "missed":
        return ReplyOutcome(
            "too_late",
            f"Ref {last.lead_id} has gone to someone else: the deadline passed. "
            "A notice is in your mailbox.",
        )
    if ref is not None:
        return ReplyOutcome("no_such_page", f"You have no open page with Ref {ref}.")
    return ReplyOutcome("nothing_open", "You have no open page to acknowledge.")
