"""A made-up office's two years of calls for bench/dashboard.py: leads, their routing
decisions and pages, written in bulk (executemany on SQLite, COPY on PostgreSQL).

Deterministic (one seed): 30 salespeople with their own speed and reliability, office
hours busier than nights, quieter weekends, buyers asking about listings, 96% of names
captured, about one page in five missed, declined or failed and the lead paged again.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy import inspect as sa_inspect

from dispatcher.models import Assignment, Lead, Page

SALESPEOPLE = 30
LISTINGS = 400
SOURCES = [
    ("Yard sign", 18), ("Website", 22), ("Zillow", 15), ("Newspaper ad", 6), ("Flyer", 5),
    ("Referral", 10), ("Open house", 6), ("Facebook", 7), ("Radio", 2), ("Magazine", 2),
    ("Old client", 4), ("Walked past", 3), ("", 5),
]  # fmt: skip
KINDS = [("buyer", 55), ("seller", 15), ("renter", 15), ("landlord", 5), ("other", 10)]
# Local hour of day -> relative number of calls (the coordinator's hours are busiest).
HOURS = [1, 1, 1, 1, 1, 2, 4, 10, 30, 45, 50, 48, 40, 42, 45, 44, 40, 35, 28, 18, 10, 6, 3, 2]
WEEKDAY_WEIGHT = [1.0, 1.0, 1.0, 1.0, 0.95, 0.7, 0.55]  # Monday first
OUTCOMES = [("appointment_set", 30), ("listing_appointment", 8), ("not_interested", 25),
            ("no_answer", 20), ("wrong_number", 5), ("other", 12)]  # fmt: skip
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # the text SQLAlchemy writes for a DateTime on SQLite


@dataclass(frozen=True)
class Salesperson:
    id: int
    median_seconds: float  # how fast they usually acknowledge
    ack_share: float  # how often they acknowledge at all
    weight: float  # how many leads come their way


def office_people(rng: random.Random, first_id: int) -> list[Salesperson]:
    return [
        Salesperson(
            first_id + index,
            median_seconds=rng.uniform(25, 150),
            ack_share=rng.uniform(0.7, 0.93),
            weight=rng.uniform(0.5, 1.5),
        )
        for index in range(SALESPEOPLE)
    ]


def _choices(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    cumulative = list(_cumulate(weights))
    return lambda: rng.choices(values, cum_weights=cumulative)[0]


def _cumulate(weights) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


class Generator:
    """Leads day by day, each with its assignments and pages, ids given here."""

    def __init__(
        self,
        *,
        leads: int,
        last_day: date,
        days: int,
        office_id: int,
        people: list[Salesperson],
        listing_ids: list[int],
        timezone: str,
        outcomes: bool,
        seed: int = 6,
    ):
        self.rng = random.Random(seed)
        self.leads, self.days, self.office_id = leads, days, office_id
        self.first_day = last_day - timedelta(days=days - 1)
        self.people, self.zone, self.outcomes = people, ZoneInfo(timezone), outcomes
        self.kind = _choices(self.rng, KINDS)
        self.source = _choices(self.rng, SOURCES)
        self.outcome = _choices(self.rng, OUTCOMES)
        self.hour = _choices(self.rng, list(enumerate(HOURS)))
        # A few listings draw most of the calls.
        self.listing = _choices(
            self.rng, [(lid, 1 / (rank + 1)) for rank, lid in enumerate(listing_ids)]
        )
        self.person = _choices(self.rng, [(p, p.weight) for p in people])
        self.lead_id = self.assignment_id = self.page_id = 0

    def _day_counts(self) -> list[int]:
        weights = [
            WEEKDAY_WEIGHT[(self.first_day + timedelta(days=d)).weekday()] for d in range(self.days)
        ]
        total = sum(weights)
        counts = [int(self.leads * w / total) for w in weights]
        for index in range(self.leads - sum(counts)):  # the remainder, one a day
            counts[index % self.days] += 1
        return counts

    def chunks(self, size: int) -> Iterator[tuple[list, list, list]]:
        """(leads, assignments, pages) as dicts of column values, ``size`` leads at a time."""
        leads, assignments, pages = [], [], []
        for offset, count in enumerate(self._day_counts()):
            day = self.first_day + timedelta(days=offset)
            # The offset at noon: close enough on the two days a year the clocks change.
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=self.zone)
            shift = noon.utcoffset()
            midnight_utc = datetime(day.year, day.month, day.day) - shift
            moments = sorted(
                midnight_utc + timedelta(hours=self.hour(), seconds=self.rng.uniform(0, 3600))
                for _ in range(count)
            )
            for moment in moments:
                self._lead(moment, leads, assignments, pages)
                if len(leads) == size:
                    yield leads, assignments, pages
                    leads, assignments, pages = [], [], []
        if leads:
            yield leads, assignments, pages

    def _lead(self, at: datetime, leads: list, assignments: list, pages: list) -> None:
        rng = self.rng
        self.lead_id += 1
        kind = self.kind()
        listing_id = self.listing() if kind in ("buyer", "renter") and rng.random() < 0.5 else None
        lead = {
            "id": self.lead_id,
            "office_id": self.office_id,
            "channel": "walk_in" if rng.random() < 0.12 else "call",
            "kind": kind,
            "caller_name": "Caller" if rng.random() < 0.96 else "",
            "caller_phone": f"+1202555{self.lead_id % 10000:04d}",
            "source": self.source(),
            "listing_id": listing_id,
            "notes": "",
            "area": "",
            "related_phone": "",
            "state": "manager",
            "created_at": at,
        }
        leads.append(lead)
        tried: set[int] = set()
        moment = at
        for _attempt in range(3):
            person = self.person()
            while person.id in tried:
                person = self.person()
            tried.add(person.id)
            sent = moment + timedelta(seconds=rng.uniform(1, 4))
            roll = rng.random()
            state = "acknowledged" if roll < person.ack_share else "missed"
            if state == "missed" and roll > 0.985:
                state = "failed"
            elif state == "missed" and roll > 0.95:
                state = "declined"
            page = self._page(lead, person.id, moment, sent, state, assignments, pages)
            if state == "acknowledged":
                seconds = min(rng.lognormvariate(math.log(person.median_seconds), 0.7), 299)
                page["acknowledged_at"] = page["closed_at"] = sent + timedelta(seconds=seconds)
                page["acknowledged_by"] = "sms"
                lead["state"] = "acknowledged"
                if self.outcomes and rng.random() < 0.75:
                    hours = rng.lognormvariate(math.log(2), 1.0)
                    lead["outcome"] = self.outcome()
                    lead["outcome_at"] = page["acknowledged_at"] + timedelta(hours=hours)
                    lead["outcome_by_id"] = person.id
                return
            wait = {"missed": 300, "declined": rng.uniform(20, 120), "failed": 5}[state]
            moment = sent + timedelta(seconds=wait)
            page["closed_at"] = moment
        # Nobody acknowledged: the manager's page (C5), nothing awaited.
        self._page(lead, None, moment, moment, "notify", assignments, pages)

    def _page(self, lead, salesperson_id, at, sent, state, assignments, pages) -> dict:
        self.assignment_id += 1
        self.page_id += 1
        assignments.append(
            {
                "id": self.assignment_id,
                "lead_id": lead["id"],
                "salesperson_id": salesperson_id,
                "rule": "rotation" if salesperson_id else "manager",
                "reason": "next in the rotation" if salesperson_id else "nobody left",
                "created_at": at,
            }
        )
        page = {
            "id": self.page_id,
            "assignment_id": self.assignment_id,
            "lead_id": lead["id"],
            "salesperson_id": salesperson_id,
            "to_number": "+12025550100",
            "body": f"Client call, please call the office. Ref {lead['id']}.",
            "state": state,
            "version": 2,
            "created_at": at,
            "deadline_at": sent + timedelta(seconds=300),
            "sent_at": sent,
            "send_attempts": 1,
            "delivery_status": "delivered",
        }
        pages.append(page)
        return page


def _filler(column):
    """A value for a NOT NULL column the generator does not know (added by a later
    migration), so the loader keeps working as the schema grows."""
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, Integer):
        return 0
    if isinstance(column.type, String | Text):
        return ""
    return datetime(2000, 1, 1)


def table_columns(model, given: set[str]) -> tuple[list[str], dict]:
    """The columns to write: every one, but those the database fills in (a server
    default) when the generator gives no value."""
    table = sa_inspect(model).local_table
    names = [
        column.name
        for column in table.columns
        if column.server_default is None or column.name in given
    ]
    fillers = {
        column.name: _filler(column)
        for column in table.columns
        if not column.nullable and column.server_default is None and not column.primary_key
    }
    return names, fillers


def rows_for(model, dicts: list[dict], *, sqlite: bool) -> tuple[list[str], list[tuple]]:
    names, fillers = table_columns(model, set(dicts[0]) if dicts else set())
    out = []
    for row in dicts:
        values = []
        for name in names:
            value = row.get(name, fillers.get(name))
            if sqlite and isinstance(value, datetime):
                value = value.strftime(SQLITE_TIME)
            elif sqlite and isinstance(value, bool):
                value = int(value)
            values.append(value)
        out.append(tuple(values))
    return names, out


def load(write, generator: Generator, *, chunk: int = 20000, sqlite: bool) -> tuple[int, int]:
    """Generate and write every chunk with ``write(model, names, rows)``; (leads, pages)."""
    started = time.monotonic()
    total_leads = total_pages = 0
    for leads, assignments, pages in generator.chunks(chunk):
        for model, dicts in ((Lead, leads), (Assignment, assignments), (Page, pages)):
            names, rows = rows_for(model, dicts, sqlite=sqlite)
            write(model.__tablename__, names, rows)
        total_leads += len(leads)
        total_pages += len(pages)
        if total_leads % (chunk * 10) == 0 or total_leads == generator.leads:
            elapsed = time.monotonic() - started
            print(
                f"  {total_leads:>9,} leads, {total_pages:>9,} pages  ({elapsed:5.0f} s)",
                flush=True,
            )
    return total_leads, total_pages
