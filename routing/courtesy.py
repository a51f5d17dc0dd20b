"""Courtesy messages after a sale (docs/rules.md S1-S4, X8): which client gets which
template when, in the office's time zone. Pure: plain data in, the sends out; no clock
read (the day and the moments are arguments), no database, no Flask.

Each send is one (client, template, occasion): the occasion is the day the message is
about (the birthday, the subscription, the event), so planning again never makes a second.
Each client's minute is spread over the kind's window by a hash of the client, the template
and the occasion: deterministic (a restart plans the same second), not all at one instant.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How a kind's occasion is found: a client's birthday, the day a client subscribed, a date
# on the template (the event, the holiday), or every second Thursday from a date.
BIRTHDAY, SUBSCRIPTION, DATED, FORTNIGHTLY = "birthday", "subscription", "dated", "fortnightly"

INTENDING_AND_CLOSED = frozenset({"intending", "closed"})


@dataclass(frozen=True)
class KindRule:
    label: str
    rule: str  # the rule id in docs/rules.md
    trigger: str
    # The send day is the occasion's day plus this many days (-3: three days ahead).
    offset_days: int
    window_start: time
    window_minutes: int
    stages: frozenset[str]  # who it goes to unless the template says otherwise
    needs_date: bool = False  # the template names the occasion's day


KINDS: dict[str, KindRule] = {
    "birthday": KindRule(
        "Birthday greeting", "S1", BIRTHDAY, 0, time(10), 30, frozenset({"closed"})
    ),
    "congratulations": KindRule(
        "Congratulations on the subscription", "S2", SUBSCRIPTION, 1, time(10), 30,
        INTENDING_AND_CLOSED,
    ),
    "signing_reminder": KindRule(
        "Signing reminder", "S3", SUBSCRIPTION, 5, time(16), 15, frozenset({"intending"})
    ),
    "construction": KindRule(
        "Construction progress", "S4", FORTNIGHTLY, 0, time(10), 30, INTENDING_AND_CLOSED,
        needs_date=True,
    ),
    "show_flat": KindRule(
        "Show-flat notice", "S4", DATED, -3, time(10), 30,
        frozenset({"potential", "intending", "closed"}), needs_date=True,
    ),
    "event": KindRule(
        "Event invitation", "S4", DATED, -3, time(10), 30, INTENDING_AND_CLOSED, needs_date=True
    ),
    "holiday": KindRule(
        "Holiday greeting", "S4", DATED, 0, time(10), 30, INTENDING_AND_CLOSED, needs_date=True
    ),
    # X8: the further texts of seed 003, sent on the day the template names.
    "bad_weather": KindRule(
        "Bad weather", "X8", DATED, 0, time(10), 30, INTENDING_AND_CLOSED, needs_date=True
    ),
    "full_payment": KindRule(
        "Full payment received", "X8", DATED, 0, time(10), 30, INTENDING_AND_CLOSED,
        needs_date=True,
    ),
    "contract_filed": KindRule(
        "Contract filed", "X8", DATED, 0, time(10), 30, INTENDING_AND_CLOSED, needs_date=True
    ),
    "moving_in": KindRule(
        "Moving in", "X8", DATED, 0, time(10), 30, INTENDING_AND_CLOSED, needs_date=True
    ),
    "other": KindRule("Other", "X8", DATED, 0, time(10), 30, INTENDING_AND_CLOSED, needs_date=True),
}

THURSDAY = 3


@dataclass(frozen=True)
class QuietHours:
    """No courtesy message goes out from ``start`` to ``end`` (office time); the span may
    cross midnight (21:00-09:00, the default)."""

    start: time = time(21)
    end: time = time(9)

    def covers(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def parse_quiet_hours(text: str) -> QuietHours:
    """'21:00-09:00' -> QuietHours; ValueError in words."""
    match = re.fullmatch(r"\s*([0-2]\d):([0-5]\d)\s*-\s*([0-2]\d):([0-5]\d)\s*", text or "")
    if not match:
        raise ValueError("Quiet hours are written HH:MM-HH:MM, e.g. 21:00-09:00.")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 23:
        raise ValueError("Quiet hours are written HH:MM-HH:MM, e.g. 21:00-09:00.")
    return QuietHours(time(h1, m1), time(h2, m2))


@dataclass(frozen=True)
class TemplateFacts:
    id: int
    kind: str
    project: str = ""  # "": every project
    stages: frozenset[str] = frozenset()  # empty: the kind's
    occasion_date: date | None = None


@dataclass(frozen=True)
class ClientFacts:
    id: int
    stage: str
    project: str = ""
    birthday: date | None = None
    subscribed_at: datetime | None = None  # naive UTC
    contract_signed: bool = False


@dataclass(frozen=True)
class Send:
    client_id: int
    template_id: int
    occasion: date  # what the message is about; with the two ids, the send's key
    rule: str
    send_at: datetime  # naive UTC


def local_day(moment: datetime, timezone: str) -> date:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).date()


def birthday_in(year: int, birthday: date) -> date:
    """The day a birthday is kept in ``year`` (29 February: the 28th in other years)."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def occasion_for(template: TemplateFacts, client: ClientFacts, day: date, timezone: str):
    """The occasion that makes ``day`` (office time) a send day of the template for this
    client, or None."""
    kind = KINDS[template.kind]
    about = day - timedelta(days=kind.offset_days)
    if kind.trigger == BIRTHDAY:
        if client.birthday is not None and birthday_in(day.year, client.birthday) == day:
            return day
        return None
    if kind.trigger == SUBSCRIPTION:
        if client.subscribed_at is None or local_day(client.subscribed_at, timezone) != about:
            return None
        if template.kind == "signing_reminder" and client.contract_signed:
            return None  # S3: only while the contract is not signed
        return about
    if template.occasion_date is None:
        return None
    if kind.trigger == FORTNIGHTLY:
        since = (day - template.occasion_date).days
        return day if since >= 0 and since % 14 == 0 and day.weekday() == THURSDAY else None
    return template.occasion_date if about == template.occasion_date else None


def applies_to(template: TemplateFacts, client: ClientFacts) -> bool:
    """By stage (the template's, else the kind's) and project."""
    stages = template.stages or KINDS[template.kind].stages
    if client.stage not in stages:
        return False
    return not template.project or template.project.casefold() == client.project.casefold()


def spread_seconds(client_id: int, template_id: int, occasion: date, window_seconds: int) -> int:
    """Where in its window this send goes: the same every time it is planned."""
    key = f"{client_id}:{template_id}:{occasion.isoformat()}".encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return int.from_bytes(digest, "big") % max(window_seconds, 1)


def to_utc(day: date, at: time, timezone: str) -> datetime:
    """The office's wall-clock ``at`` on ``day`` as naive UTC (a time the clocks skip is
    read as after the change)."""
    local = datetime.combine(day, at, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC).replace(tzinfo=None)


def out_of_quiet(moment: datetime, timezone: str, quiet: QuietHours) -> datetime:
    """``moment`` (naive UTC), or the first minute after the quiet hours it falls in."""
    zone = ZoneInfo(timezone)
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    if not quiet.covers(local.time()):
        return moment
    day = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        day += timedelta(days=1)  # the evening: the quiet hours end tomorrow morning
    return to_utc(day, quiet.end, timezone)


def send_time(
    template: TemplateFacts,
    client_id: int,
    occasion: date,
    day: date,
    timezone: str,
    quiet: QuietHours,
) -> datetime:
    """When this client's message goes out on ``day``: spread over the kind's window, and
    out of the quiet hours (it then starts its spread at the quiet hours' end)."""
    kind = KINDS[template.kind]
    window = kind.window_minutes * 60
    offset = timedelta(seconds=spread_seconds(client_id, template.id, occasion, window))
    start = to_utc(day, kind.window_start, timezone)
    moved = out_of_quiet(start, timezone, quiet)
    at = moved + offset
    if quiet.covers(at.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).time()):
        at = out_of_quiet(at, timezone, quiet)  # quiet hours began inside the window
    return at


def plan_day(
    templates: Iterable[TemplateFacts],
    clients: Iterable[ClientFacts],
    day: date,
    timezone: str,
    quiet: QuietHours = QuietHours(),
) -> list[Send]:
    """Every send of ``day`` (office time): each template to each client it applies to."""
    clients = list(clients)
    sends = []
    for template in templates:
        rule = KINDS[template.kind].rule
        for client in clients:
            if not applies_to(template, client):
                continue
            occasion = occasion_for(template, client, day, timezone)
            if occasion is None:
                continue
            at = send_time(template, client.id, occasion, day, timezone, quiet)
            sends.append(Send(client.id, template.id, occasion, rule, at))
    sends.sort(key=lambda send: (send.send_at, send.client_id, send.template_id))
    return sends


PLACEHOLDERS = ("client", "project", "date", "salesperson")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def unknown_placeholders(body: str) -> list[str]:
    """The {names} in a template that are none of PLACEHOLDERS."""
    return sorted({name for name in _PLACEHOLDER.findall(body) if name not in PLACEHOLDERS})


def render(body: str, values: dict[str, str]) -> str:
    """The template with its placeholders filled in one pass: a value is never read as a
    template (a client named "{salesperson}" stays so), and nothing but the four names
    is ever looked up (no str.format: "{client.__class__}" is text)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


# GSM 03.38's basic alphabet; the extension table's characters count twice.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    encoding: str  # GSM-7 | UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def sms_segments(text: str) -> Segments:
    """How many SMS the text takes: GSM-7 160 alone or 153 per part, UCS-2 70 or 67
    (static/courtesy.js counts the same as the manager types)."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    if units <= single:
        return Segments(encoding, units, 1 if units else 0)
    return Segments(encoding, units, -(-units // part))
