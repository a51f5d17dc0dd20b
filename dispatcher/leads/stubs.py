"""Calls logged from their caller ID the moment they ring (a lead stub), so no call goes
unrecorded even if nobody types anything. A stub is neither routed nor paged until the
coordinator completes it on the console; then it is routed and paged as any lead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatcher.leads.service import LeadDetails, check_details, fill_details, route_new_lead
from dispatcher.leads.timeline import record_event
from dispatcher.models import Lead, LeadState, Office


class StubGone(Exception):
    """Someone else completed or closed this stub first."""


def log_call_stub(
    *, session: Session, office_id: int, phone: str, now: datetime, detail: str
) -> Lead:
    """The call, logged at once from its caller ID (empty when the number is withheld)."""
    lead = Lead(
        office_id=office_id,
        channel="call",
        kind="",  # not known until the coordinator completes it
        caller_phone=phone,
        state=LeadState.STUB,
        created_at=now,
    )
    session.add(lead)
    session.flush()
    record_event(
        session=session, lead_id=lead.id, kind="logged", at=now, detail=detail, actor="phone"
    )
    return lead


def call_stubs(*, session: Session, office_id: int) -> list[Lead]:
    """The stubs waiting for the coordinator, newest first."""
    return list(
        session.scalars(
            select(Lead)
            .where(Lead.office_id == office_id, Lead.state == LeadState.STUB)
            .order_by(Lead.id.desc())
        )
    )


def _leave_stub(*, session: Session, lead: Lead, state: str) -> None:
    """One conditional update, so two coordinators cannot both complete the same call."""
    changed = session.execute(
        update(Lead).where(Lead.id == lead.id, Lead.state == LeadState.STUB).values(state=state)
    )
    if changed.rowcount != 1:
        raise StubGone(f"The call Ref {lead.id} was already completed or closed.")
    session.refresh(lead)


def complete_stub(
    *,
    session: Session,
    office: Office,
    lead: Lead,
    details: LeadDetails,
    logged_by_id: int | None,
    actor: str,
    now: datetime,
    deadline_seconds: int,
    region: str,
) -> Lead:
    """Fill the stub with what the coordinator took down, then route and page it.

    The lead keeps the time of the call. InvalidInput (nothing changed) for bad details;
    StubGone if it is no longer a stub.
    """
    phone, listing = check_details(
        session=session, office_id=office.id, details=details, region=region
    )
    _leave_stub(session=session, lead=lead, state=LeadState.OPEN)
    fill_details(lead, details, phone=phone, listing=listing, region=region)
    lead.logged_by_id = logged_by_id
    return route_new_lead(
        session=session,
        lead=lead,
        office=office,
        event="completed",
        actor=actor,
        now=now,
        deadline_seconds=deadline_seconds,
    )


def close_stub(*, session: Session, lead: Lead, actor: str, now: datetime) -> None:
    """Not a client (a supplier, a wrong number, a hang-up): off the board, nobody paged.
    The stub stays in the records with this event (O3: nothing is deleted)."""
    _leave_stub(session=session, lead=lead, state=LeadState.NOT_A_CLIENT)
    record_event(
        session=session, lead_id=lead.id, kind="closed", at=now, detail="Not a client", actor=actor
    )
