"""A <Dial>'s result, recorded once, and the client reached when it proves a contact.

Twilio may deliver the same webhook twice (a retry after a timeout, two deliveries at
once). Each effect is one conditional UPDATE, so only the first delivery acts: the
placed call's result is written only while it has none, and the lead's *client reached*
only while it has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatcher.leads.timeline import record_event
from dispatcher.models import Lead, Page, PageState, PlacedCall
from routing.contact import is_contact

KIND_WORDS = {"callback": "a call-back", "put_through": "a call put through"}


@dataclass(frozen=True)
class DialOutcome:
    call: PlacedCall | None  # None: no such placed call for this CallSid
    first: bool  # this delivery recorded the result (a repeat does nothing)
    reached: bool  # and it recorded the client reached


def placed_call(*, session: Session, call_id: int, call_sid: str) -> PlacedCall | None:
    """The placed call with this id, if the webhook's CallSid is its own."""
    call = session.get(PlacedCall, call_id)
    return call if call is not None and call.call_sid == call_sid else None


def record_dial(
    *,
    session: Session,
    call_id: int,
    call_sid: str,
    dial_status: str,
    seconds: int | None,
    now: datetime,
    min_seconds: int,
) -> DialOutcome:
    call = placed_call(session=session, call_id=call_id, call_sid=call_sid)
    if call is None:
        return DialOutcome(None, first=False, reached=False)
    written = session.execute(
        update(PlacedCall)
        .where(PlacedCall.id == call.id, PlacedCall.dial_status.is_(None))
        .values(dial_status=dial_status[:20], dial_seconds=seconds, dialled_at=now)
    )
    if written.rowcount != 1:
        return DialOutcome(call, first=False, reached=False)
    session.refresh(call)
    if not is_contact(dial_status, seconds, min_seconds):
        return DialOutcome(call, first=True, reached=False)
    # Reached when the client answered: the call's end less its length, and never before
    # the call was placed (clocks differ by a second or two).
    reached_at = max(now - timedelta(seconds=seconds or 0), call.created_at)
    reached = session.execute(
        update(Lead)
        .where(Lead.id == call.lead_id, Lead.client_reached_at.is_(None))
        .values(client_reached_at=reached_at, reached_by_call_sid=call_sid)
    )
    if reached.rowcount != 1:
        return DialOutcome(call, first=True, reached=False)
    record_event(
        session=session,
        lead_id=call.lead_id,
        kind="client_reached",
        at=now,
        detail=_reached_words(session, call, seconds or 0, reached_at),
        actor=call.salesperson.name,
    )
    return DialOutcome(call, first=True, reached=True)


def _reached_words(session: Session, call: PlacedCall, seconds: int, reached_at: datetime) -> str:
    words = f"Client reached by {call.salesperson.name}: {KIND_WORDS[call.kind]} of {seconds} s"
    paged = paged_at(session=session, lead_id=call.lead_id, salesperson_id=call.salesperson_id)
    if paged is not None and reached_at >= paged:
        words += f", {_minutes(reached_at - paged)} after the page"
    return words


def paged_at(*, session: Session, lead_id: int, salesperson_id: int) -> datetime | None:
    """When the salesperson's acknowledged page of the lead went out (else was written)."""
    row = session.execute(
        select(Page.sent_at, Page.created_at)
        .where(
            Page.lead_id == lead_id,
            Page.salesperson_id == salesperson_id,
            Page.state == PageState.ACKNOWLEDGED,
        )
        .order_by(Page.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.sent_at or row.created_at)


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes} min" if minutes else f"{int(span.total_seconds())} s"


def record_call_status(*, session: Session, call_sid: str, status: str) -> None:
    """The status callback of a placed call (did the salesperson answer the office's
    call): kept on every placed call with this sid, the last word winning."""
    session.execute(
        update(PlacedCall).where(PlacedCall.call_sid == call_sid).values(call_status=status[:20])
    )
