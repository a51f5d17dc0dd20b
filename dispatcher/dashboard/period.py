"""The dashboard's date range: whole days in the office's time zone, as UTC bounds.

Times are stored as naive UTC. A range of local days becomes [start, end) in UTC, and,
for databases without a time zone library (SQLite), the UTC offsets in force inside the
range with the instants they change (daylight saving), so a call can be put in the right
local hour and weekday by the database itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext

from dispatcher.invalid_input import InvalidInput
from dispatcher.language import N_, sentences

DEFAULT_DAYS = 30
# A bound on the work one request can ask of the database.
MAX_DAYS = 5 * 366
# Days outside these years hold no calls; the last keeps "the day after" a valid date.
FIRST_YEAR, LAST_YEAR = 2000, 2999
DATE_FORMAT_HINT = N_("Dates are written YYYY-MM-DD, for example 2026-11-23.")


@dataclass(frozen=True)
class Period:
    """Local days ``first_day``..``last_day`` (both included) in ``timezone``."""

    first_day: date
    last_day: date
    timezone: str
    start: datetime  # naive UTC, included
    end: datetime  # naive UTC, excluded
    # (until, minutes): the UTC offset in minutes in force before ``until`` (naive UTC);
    # the last one has until=None and holds to the end of the range.
    offsets: tuple[tuple[datetime | None, int], ...]

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def period_for(first_day: date, last_day: date, timezone: str) -> Period:
    zone = ZoneInfo(timezone)
    start = _local_midnight_in_utc(first_day, zone)
    end = _local_midnight_in_utc(last_day + timedelta(days=1), zone)
    return Period(
        first_day=first_day,
        last_day=last_day,
        timezone=timezone,
        start=start,
        end=end,
        offsets=tuple(utc_offsets(start, end, zone)),
    )


def parse_period(
    first_text: str | None, last_text: str | None, *, today: date, timezone: str
) -> Period:
    """The range the manager typed; the last 30 days up to today when both are empty.

    InvalidInput names each bad field (``from``, ``to``) with what to type instead.
    """
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput(
            {"timezone": gettext("Unknown time zone %(zone)s.", zone=repr(timezone))}
        ) from error
    errors: dict[str, str] = {}
    last_day = _parse_day(last_text, "to", errors) or today
    first_day = _parse_day(first_text, "from", errors) or (
        last_day - timedelta(days=DEFAULT_DAYS - 1)
    )
    if not errors:
        if first_day > last_day:
            errors["from"] = gettext("The first day comes after the last day.")
        elif (last_day - first_day).days + 1 > MAX_DAYS:
            errors["from"] = gettext(
                "The range is longer than %(days)s days: choose a shorter one.", days=MAX_DAYS
            )
    if errors:
        raise InvalidInput(errors)
    return period_for(first_day, last_day, timezone)


def _parse_day(text: str | None, field: str, errors: dict[str, str]) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[field] = sentences(
            gettext("%(text)s is not a date.", text=repr(text[:20])), gettext(DATE_FORMAT_HINT)
        )
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors[field] = gettext(
            "Choose a day from the year %(first)s to the year %(last)s.",
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )
        return None
    return day


def _local_midnight_in_utc(day: date, zone: ZoneInfo) -> datetime:
    local = datetime(day.year, day.month, day.day, tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def _offset_minutes(moment: datetime, zone: ZoneInfo) -> int:
    offset = moment.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return int(offset.total_seconds() // 60)


def utc_offsets(
    start: datetime, end: datetime, zone: ZoneInfo
) -> list[tuple[datetime | None, int]]:
    """The offsets in force over [start, end) and the instants they change, to the second.

    A day at a time, then halving the day that holds a change: about 800 look-ups for a
    two-year range. Zones change at most a few times a year, never twice in a day.
    """
    segments: list[tuple[datetime | None, int]] = []
    current = _offset_minutes(start, zone)
    moment = start
    while moment < end:
        step_end = min(moment + timedelta(days=1), end)
        if _offset_minutes(step_end, zone) != current:
            low, high = 0, int((step_end - moment).total_seconds())
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_minutes(moment + timedelta(seconds=middle), zone) == current:
                    low = middle
                else:
                    high = middle
            change = moment + timedelta(seconds=high)
            segments.append((change, current))
            current = _offset_minutes(change, zone)
        moment = step_end
    segments.append((None, current))
    return segments
