"""A salesperson's own leads: the ones they acknowledged (with the caller's details,
C4: only after acknowledging) and their own response times."""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.models import Lead, Page, PageState


def acknowledged_leads(
    *, session: Session, salesperson_id: int, now: datetime, days: int = 30
) -> list[tuple[Lead, Page]]:
    """Leads this salesperson acknowledged in the last ``days``, newest first."""
    rows = session.execute(
        select(Lead, Page)
        .join(Page, Page.lead_id == Lead.id)
        .where(
            Page.salesperson_id == salesperson_id,
            Page.state == PageState.ACKNOWLEDGED,
            Page.acknowledged_at >= now - timedelta(days=days),
        )
        .order_by(Page.acknowledged_at.desc())
    )
    return [(lead, page) for lead, page in rows]


def own_lead(*, session: Session, salesperson_id: int, lead_id: int) -> Lead | None:
    """The lead if this salesperson acknowledged it, else None (it is someone else's)."""
    return session.scalar(
        select(Lead)
        .join(Page, Page.lead_id == Lead.id)
        .where(
            Lead.id == lead_id,
            Page.salesperson_id == salesperson_id,
            Page.state == PageState.ACKNOWLEDGED,
        )
    )


def response_times(
    *, session: Session, salesperson_id: int, now: datetime, days: int = 30
) -> dict[str, float | int | None]:
    """Median seconds from page to acknowledgement, and how many pages were answered,
    missed or passed, over the last ``days``."""
    rows = session.execute(
        select(Page.state, Page.sent_at, Page.acknowledged_at).where(
            Page.salesperson_id == salesperson_id,
            Page.sent_at >= now - timedelta(days=days),
        )
    ).all()
    waits = [
        (acked - sent).total_seconds()
        for state, sent, acked in rows
        if state == PageState.ACKNOWLEDGED and acked is not None
    ]
    return {
        "paged": len(rows),
        "acknowledged": len(waits),
        "missed": sum(1 for state, _s, _a in rows if state == PageState.MISSED),
        "declined": sum(1 for state, _s, _a in rows if state == PageState.DECLINED),
        "median_seconds": median(waits) if waits else None,
    }
