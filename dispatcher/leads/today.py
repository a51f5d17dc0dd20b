"""Today's leads for the coordinator: every lead logged since midnight in the office's
time zone, whatever became of it, with the caller and who has it."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatcher.clock import local_time
from dispatcher.models import Assignment, Lead, Office

# A busy office logs a few hundred a day; past this the search covers the newest only.
MOST = 500


def start_of_office_day(now: datetime, timezone: str) -> datetime:
    """The office's last midnight, as the database keeps times (UTC, naive)."""
    midnight = datetime.combine(local_time(now, timezone).date(), time(), ZoneInfo(timezone))
    return midnight.astimezone(UTC).replace(tzinfo=None)


def todays_leads(*, session: Session, office: Office, now: datetime) -> list[Lead]:
    """Newest first, with their routing decisions loaded (the list says who has each)."""
    return list(
        session.scalars(
            select(Lead)
            .where(
                Lead.office_id == office.id,
                Lead.created_at >= start_of_office_day(now, office.timezone),
            )
            .options(selectinload(Lead.assignments).selectinload(Assignment.salesperson))
            .order_by(Lead.id.desc())
            .limit(MOST)
        )
    )
