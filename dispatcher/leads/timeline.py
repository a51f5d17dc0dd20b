"""The lead's append-only timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from dispatcher.models import LeadEvent

# Built once (bench/README.md: building a statement costs more than running it). An
# event is written at once with one INSERT, not kept for the session's flush: nothing
# reads it back in the transaction that writes it, and the flush's bookkeeping cost
# more than the INSERT (dispatcher/inserts.py).
_INSERT_EVENT = insert(LeadEvent.__table__)


def record_event(
    *,
    session: Session,
    lead_id: int,
    kind: str,
    at: datetime,
    detail: str = "",
    page_id: int | None = None,
    actor: str = "system",
) -> None:
    """Put an event on the lead's timeline (``lead_id`` and ``page_id`` are rows already
    written: the event goes out now, before anything still pending in the session)."""
    record_events(
        session,
        timeline_event(
            lead_id=lead_id, kind=kind, at=at, detail=detail, page_id=page_id, actor=actor
        ),
    )


def timeline_event(
    *,
    lead_id: int,
    kind: str,
    at: datetime,
    detail: str = "",
    page_id: int | None = None,
    actor: str = "system",
) -> dict:
    """An event for ``record_events``, which writes several in one statement."""
    # Cut to the columns: an actor is a salesperson's name (up to 120 characters), and
    # PostgreSQL refuses a value longer than its column where SQLite keeps it.
    return {
        "lead_id": lead_id,
        "kind": kind,
        "at": at,
        "detail": detail[:300],
        "page_id": page_id,
        "actor": actor[:80],
    }


def record_events(session: Session, *events: dict) -> None:
    """Put these events (``timeline_event``) on the timeline, in this order, with one
    statement: one round trip to PostgreSQL for a logged call's arrival and routing."""
    if events:
        session.execute(_INSERT_EVENT, list(events) if len(events) > 1 else events[0])
