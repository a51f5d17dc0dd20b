"""UTC time as the database stores it (naive, in UTC), and the office's local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Now in UTC, naive, the form every column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_time(moment: datetime, timezone: str) -> datetime:
    """A stored UTC time shown in the office's time zone."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))


def deadline_after(moment: datetime, seconds: int) -> datetime:
    """``seconds`` after ``moment``, rounded up to the whole second.

    RQ's scheduler keeps whole seconds, so a deadline between two seconds could only be
    checked up to a second late; on the whole second it is checked as it falls due. The
    salesperson gets at most a second more, never less.
    """
    exact = moment + timedelta(seconds=seconds)
    whole = exact.replace(microsecond=0)
    return whole if whole == exact else whole + timedelta(seconds=1)
