"""C3, put through: a caller who asks for a salesperson who is in the office is put
through. The coordinator presses *Put through* on the live call's row of the console;
the caller's call is redirected (the Calls API's update) to the salesperson's phone for
PUT_THROUGH_RING_SECONDS. Not answered, it comes back to the coordinator with a message
taken: the lead (the call's stub) is given to that salesperson and paged, as a caller
who named them (C3, O4).

A live call is a call to the office put through to the coordinator a short while ago
whose stub is not completed yet: the console shows it while it may still ring. A call
that has ended by then is refused by Twilio (21220) and the coordinator is told.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatcher.calls import twiml
from dispatcher.calls.callback import office_line
from dispatcher.leads.service import page_chosen
from dispatcher.leads.timeline import record_event
from dispatcher.models import (
    InboundCall,
    Lead,
    LeadState,
    Page,
    PlacedCall,
    Salesperson,
)
from routing.contact import ANSWERED
from routing.decision import IN_OFFICE, RULE_ASKED_FOR

# How long after it rang a call is shown as live on the console.
LIVE_MINUTES = 15
# The calls that ring the coordinator (dispatcher/leads/calls.py's outcomes).
TO_THE_COORDINATOR = ("coordinator",)


class CannotPutThrough(Exception):
    """Nothing was redirected: the words say why."""


def live_calls(*, session: Session, office_id: int, now: datetime) -> dict[int, InboundCall]:
    """The calls still on the line with the coordinator, by their stub's lead id: not
    those a salesperson answered once put through, nor those whose <Dial> to the
    coordinator has ended (its result, InboundCall.dial_status, is in: the caller hung up
    or nobody answered)."""
    answered = select(PlacedCall.call_sid).where(
        PlacedCall.kind == "put_through", PlacedCall.dial_status.in_(ANSWERED)
    )
    rows = session.scalars(
        select(InboundCall)
        .join(Lead, Lead.id == InboundCall.lead_id)
        .where(
            Lead.office_id == office_id,
            Lead.state == LeadState.STUB,
            InboundCall.outcome.in_(TO_THE_COORDINATOR),
            InboundCall.received_at >= now - timedelta(minutes=LIVE_MINUTES),
            InboundCall.call_sid.not_in(answered),
            InboundCall.dial_status.is_(None),
        )
    )
    return {call.lead_id: call for call in rows}


def in_the_office(*, session: Session, office_id: int) -> list[Salesperson]:
    """Whom a caller can be put through to: active salespeople in the office now."""
    return list(
        session.scalars(
            select(Salesperson)
            .where(
                Salesperson.office_id == office_id,
                Salesperson.active.is_(True),
                Salesperson.status == IN_OFFICE,
            )
            .order_by(Salesperson.name)
        )
    )


def start_put_through(
    *,
    session: Session,
    office_id: int,
    lead_id: int,
    salesperson_id: int,
    now: datetime,
    ring_seconds: int,
) -> tuple[PlacedCall, str, str]:
    """The put-through's row, and the TwiML and the phone to redirect the call to."""
    call = live_calls(session=session, office_id=office_id, now=now).get(lead_id)
    if call is None:
        raise CannotPutThrough(f"Ref {lead_id}: the call is no longer on the line.")
    person = next(
        (p for p in in_the_office(session=session, office_id=office_id) if p.id == salesperson_id),
        None,
    )
    if person is None:
        raise CannotPutThrough("Choose a salesperson who is in the office.")
    placed = PlacedCall(
        office_id=office_id,
        lead_id=lead_id,
        salesperson_id=person.id,
        kind="put_through",
        call_sid=call.call_sid,
        created_at=now,
    )
    session.add(placed)
    session.flush()
    record_event(
        session=session,
        lead_id=lead_id,
        kind="put_through",
        at=now,
        detail=f"Put through to {person.name}",
    )
    return (
        placed,
        twiml.put_through(placed.id, person.mobile, office_line(session, office_id), ring_seconds),
        person.mobile,
    )


def not_answered(
    *, session: Session, call: PlacedCall, now: datetime, deadline_seconds: int
) -> Page | None:
    """The salesperson did not answer: the message taken is a page to them. The stub
    becomes a lead for the salesperson the caller asked for; a stub the coordinator
    completed (routed) meanwhile is left as routed."""
    person = call.salesperson
    opened = session.execute(
        update(Lead)
        .where(Lead.id == call.lead_id, Lead.state == LeadState.STUB)
        .values(state=LeadState.OPEN, asked_for_id=person.id)
    )
    if opened.rowcount != 1:
        record_event(
            session=session,
            lead_id=call.lead_id,
            kind="put_through_missed",
            at=now,
            detail=f"{person.name} did not answer the call put through",
        )
        return None
    lead = session.get(Lead, call.lead_id)
    session.refresh(lead)
    page = page_chosen(
        session=session,
        lead=lead,
        salesperson_id=person.id,
        rule=RULE_ASKED_FOR,
        reason=f"Caller asked for {person.name}; put through, not answered: message taken",
        now=now,
        deadline_seconds=deadline_seconds,
        mobile=person.mobile,
    )
    record_event(
        session=session,
        lead_id=lead.id,
        kind="put_through_missed",
        at=now,
        page_id=page.id,
        detail=f"{person.name} did not answer the call put through: message taken, paged",
    )
    return page
