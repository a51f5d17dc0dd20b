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
    event = LeadEvent(
        lead_id=lead_id, kind=kind, at=at, detail=detail, page_id=page_id, actor=actor
    )
    session.add(event)
    return event
