"""Leads held while nobody was on duty, paged once someone is: one at a time, the
oldest first, at most one every HELD_LEAD_SPACING_SECONDS, so the first minutes of
the morning are not a flood of pages at 08:00:00 (the sweeper calls this each round).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dispatcher.leads.service import assign_lead
from dispatcher.leads.timeline import record_event
from dispatcher.models import Lead, LeadEvent, LeadState, Office, Page
from dispatcher.office.schedule import nobody_to_take

RELEASED = "released"


def offices_holding(*, session: Session) -> list[int]:
    return list(
        session.scalars(select(Lead.office_id).where(Lead.state == LeadState.HELD).distinct())
    )


def release_next(
    *, session: Session, office_id: int, now: datetime, deadline_seconds: int, spacing: int
) -> Page | None | bool:
    """Route the office's oldest held lead if someone is on duty and none was released in
    the last ``spacing`` seconds. False: nothing released; else the page to send (None
    when the lead went to a manager with no mobile, or was held again)."""
    office = session.get(Office, office_id)
    if nobody_to_take(session=session, office=office, now=now):
        return False
    last = session.scalar(
        select(func.max(LeadEvent.at))
        .join(Lead, Lead.id == LeadEvent.lead_id)
        .where(Lead.office_id == office_id, LeadEvent.kind == RELEASED)
    )
    if last is not None and now - last < timedelta(seconds=spacing):
        return False
    lead = session.scalar(
        select(Lead)
        .where(Lead.office_id == office_id, Lead.state == LeadState.HELD)
        .order_by(Lead.id)
        .limit(1)
    )
    if lead is None:
        return False
    # One conditional update claims it: a second sweeper finds it gone.
    claimed = session.execute(
        update(Lead)
        .where(Lead.id == lead.id, Lead.state == LeadState.HELD)
        .values(state=LeadState.OPEN)
    )
    if claimed.rowcount != 1:
        return False
    session.refresh(lead)
    record_event(
        session=session,
        lead_id=lead.id,
        kind=RELEASED,
        at=now,
        detail="Someone is on duty now: the held lead is routed",
    )
    return assign_lead(
        session=session, lead=lead, office=office, now=now, deadline_seconds=deadline_seconds
    )
