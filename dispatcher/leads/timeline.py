"""The lead's append-only timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher.models import LeadEvent


def record_event(
    *,
    session: Session,
    lead_id: int,
    kind: str,
    at: datetime,
    detail: str = "",
    page_id: int | None = None,
    actor: str = "system",
) -> LeadEvent:
    # Cut to the columns: an actor is a salesperson's name (up to 120 characters), and
    # PostgreSQL refuses a value longer than its column where SQLite keeps it.
    event = LeadEvent(
        lead_id=lead_id, kind=kind, at=at, detail=detail[:300], page_id=page_id, actor=actor[:80]
    )
    session.add(event)
    return event
