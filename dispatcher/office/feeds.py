"""iCalendar feeds of the duty roster: one per salesperson (their shifts) and one for the
whole office (the manager's). Each is at a secret address: the record's id and a token
signed with SECRET_KEY and the record's feed_nonce, so nothing secret is stored and
drawing a new nonce ("new address") revokes the old one."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dispatcher.office.schedule import Schedule
from routing.duty import occurrences

KINDS = ("office", "salesperson")
# What a feed holds: a week back (a calendar app keeps what it saw), three months ahead.
DAYS_BACK, DAYS_AHEAD = 7, 92


def feed_token(secret_key: str, kind: str, record_id: int, nonce: int) -> str:
    message = f"duty-feed:{kind}:{record_id}:{nonce}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:40]


def token_matches(secret_key: str, kind: str, record_id: int, nonce: int, token: str) -> bool:
    expected = feed_token(secret_key, kind, record_id, nonce)
    return hmac.compare_digest(expected, token)


def duty_feed(
    *,
    schedule: Schedule,
    names: Mapping[int, str],
    office_name: str,
    now: datetime,
    today,
    only: int | None = None,
) -> bytes:
    """The shifts from a week ago to three months ahead (``only``: one salesperson's),
    in the office's zone, with the time zone's definition included."""
    # Imported here: only this view needs it, and every worker and web process would
    # otherwise pay its import (about 0.2 s) at start.
    from icalendar import Calendar, Event

    zone = ZoneInfo(schedule.calendar.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//Dispatch//Duty roster//EN")
    calendar.add("version", "2.0")
    who = names.get(only, "") if only is not None else ""
    calendar.add("x-wr-calname", f"{office_name} duty" + (f": {who}" if who else ""))
    stamp = now.replace(tzinfo=ZoneInfo("UTC"))
    span = occurrences(
        schedule.roster, today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)
    )
    for shift in span:
        if only is not None and shift.salesperson_id != only:
            continue
        event = Event()
        event.add("uid", f"duty-{shift.shift.id}-{shift.day.isoformat()}@dispatch")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.starts_at.replace(tzinfo=zone))
        event.add("dtend", shift.ends_at.replace(tzinfo=zone))
        person = names.get(shift.salesperson_id, "a salesperson")
        event.add("summary", "On duty" if only is not None else f"On duty: {person}")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
