"""UTC time as the database stores it (naive, in UTC), and the office's local time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Now in UTC, naive, the form every column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_time(moment: datetime, timezone: str) -> datetime:
    """A stored UTC time shown in the office's time zone."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))


def as_utc_aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)
