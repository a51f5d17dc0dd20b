"""Whether a call through the office's number proves that the client was reached, and
when a lead acknowledged but not reached is due for a reminder (working minutes).

Twilio reports a <Dial>'s end with ``DialCallStatus`` and, when the dialled phone
answered, ``DialCallDuration`` (seconds). Only an answered dial that lasted the office's
minimum is a contact: a voicemail greeting cut short, a ring with no answer, a busy line
or a hang-up at "hello" are not.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from routing.duty import OfficeCalendar

# The dialled phone was answered: "completed" once both sides hung up, "answered" when
# the caller's side hung up first (Twilio's <Dial> action).
ANSWERED = frozenset({"completed", "answered"})
# The dialled phone never answered: the put-through comes back to the coordinator.
NOT_ANSWERED = frozenset({"no-answer", "busy", "failed", "canceled"})


def is_contact(dial_status: str, seconds: int | None, min_seconds: int) -> bool:
    """An answered dial that lasted at least ``min_seconds``."""
    return dial_status in ANSWERED and seconds is not None and seconds >= min_seconds


def dial_seconds(raw: str | None) -> int | None:
    """``DialCallDuration`` as Twilio posts it (whole seconds), or None when absent or
    not a number."""
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw.strip())


def after_working_minutes(calendar: OfficeCalendar, start: datetime, minutes: int) -> datetime:
    """The moment (naive UTC) when ``minutes`` of the office's working hours have passed
    since ``start`` (naive UTC): time outside the calendar's hours does not count, so
    an acknowledgement at 19:50 with 30 minutes is due at 08:20 the next working day.
    A calendar with no hours at all within a year: a year later."""
    zone = ZoneInfo(calendar.timezone)
    local = start.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    left = timedelta(minutes=minutes)
    for _ in range(370):
        hours = calendar.hours_on(local.date())
        if hours is not None:
            midnight = datetime.combine(local.date(), time())
            opens = midnight + timedelta(minutes=hours.opens)
            closes = midnight + timedelta(minutes=hours.closes)
            begin = max(local, opens)
            if begin < closes:
                if begin + left <= closes:
                    return _utc(begin + left, zone)
                left -= closes - begin
        local = datetime.combine(local.date() + timedelta(days=1), time())
    return start + timedelta(days=365)


def _utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
