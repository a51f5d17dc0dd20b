"""Seeded, made-up records for the dashboard rollup tests: two offices' leads and pages
over five and a half weeks around the end of daylight saving (New York, 1 November
2026), crowded at the office's midnights, with pages that cross midnight, salespeople
paged for the other office, acknowledgements after ten minutes, outcomes days later,
stubs, walk-ins, the manager's pages."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import select

from dispatcher.dashboard.period import period_for
from dispatcher.extensions import db
from dispatcher.models import LEAD_KINDS, Assignment, Lead, Listing, Office, Page, Salesperson

TZ = "America/New_York"
FIRST_DAY = date(2026, 10, 25)
LAST_DAY = date(2026, 12, 3)
# The builder's clock: every generated day is over.
AFTER = datetime(2026, 12, 10, 15)
DAYLIGHT_SAVING_ENDS = datetime(2026, 11, 1, 6)  # 02:00 EDT becomes 01:00 EST
SOURCES = ("Yard sign", "Website", "", "Flyer, blue", "=1+1")
OUTCOMES = ("appointment_set", "no_answer", "not_interested")


def days_between(first: date, last: date) -> Iterator[date]:
    """Each day from ``first`` to ``last``, both included."""
    while first <= last:
        yield first
        first += timedelta(days=1)


def second_office() -> Office:
    """Uptown, with two salespeople and a listing of its own."""
    office = Office(name="Uptown")
    db.session.add(office)
    db.session.flush()
    people = [
        Salesperson(office_id=office.id, name=name, mobile=mobile)
        for name, mobile in (("Uma Uptown", "+12025557001"), ("Vic Uptown", "+12025557002"))
    ]
    db.session.add_all(people)
    db.session.flush()
    db.session.add(
        Listing(office_id=office.id, reference="U-1", address="1 Up St", agent_id=people[0].id)
    )
    db.session.flush()
    return office


def random_moment(rng: random.Random) -> datetime:
    """A UTC instant in the generated days; often next to a local midnight or the hour
    the clocks go back, where a wrong day or hour would show."""
    day = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    period = period_for(day, day, TZ)
    roll = rng.random()
    if roll < 0.3:
        edge = period.start if rng.random() < 0.5 else period.end
        moment = edge + timedelta(seconds=rng.uniform(-150, 150))
    elif roll < 0.35:
        moment = DAYLIGHT_SAVING_ENDS + timedelta(seconds=rng.uniform(-7200, 7200))
    else:
        moment = period.start + (period.end - period.start) * rng.random()
    return min(max(moment, period_for(FIRST_DAY, FIRST_DAY, TZ).start), _end())


def _end() -> datetime:
    return period_for(LAST_DAY, LAST_DAY, TZ).end - timedelta(microseconds=1)


class RecordWriter:
    """Writes leads with their assignments and pages, the way the services leave them."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        offices = list(db.session.scalars(select(Office).order_by(Office.id)))
        self.people = {
            office.id: list(
                db.session.scalars(select(Salesperson).where(Salesperson.office_id == office.id))
            )
            for office in offices
        }
        self.listings = {
            office.id: list(
                db.session.scalars(select(Listing.id).where(Listing.office_id == office.id))
            )
            for office in offices
        }
        self.offices = [office.id for office in offices]

    def leads(self, count: int) -> None:
        for _ in range(count):
            self.lead(random_moment(self.rng))
        db.session.flush()

    def lead(self, at: datetime, **fields) -> Lead:
        rng = self.rng
        office_id = fields.pop("office_id", None) or rng.choice(self.offices)
        state = (
            fields.pop("state", None)
            or rng.choices(
                ("acknowledged", "manager", "open", "stub", "not_a_client"), (60, 15, 10, 10, 5)
            )[0]
        )
        lead = Lead(
            office_id=office_id,
            channel=rng.choice(("call", "call", "walk_in")),
            kind="" if state == "stub" else rng.choice(LEAD_KINDS),
            caller_name="" if state == "stub" or rng.random() < 0.1 else "Mrs Example",
            caller_phone=f"+1202555{rng.randrange(10000):04d}",
            source=rng.choice(SOURCES),
            listing_id=rng.choice([None, None, *self.listings[office_id]]),
            state=state,
            created_at=at,
            **fields,
        )
        db.session.add(lead)
        db.session.flush()
        if state not in ("stub", "not_a_client"):
            self._pages(lead)
        return lead

    def _pages(self, lead: Lead) -> None:
        rng = self.rng
        moment = lead.created_at
        count = rng.choice((1, 1, 2, 3))
        for index in range(count):
            moment += timedelta(seconds=rng.uniform(0, 400))
            last = index == count - 1
            if last and lead.state == "manager":
                self.page(lead, None, moment, "notify")
                return
            state = "acknowledged" if last and lead.state == "acknowledged" else None
            if last and lead.state == "open":
                state = "open"
            state = state or rng.choice(("missed", "declined", "failed"))
            self.page(lead, self._salesperson(lead), moment, state)

    def _salesperson(self, lead: Lead) -> Salesperson:
        office_id = lead.office_id
        if self.rng.random() < 0.1:  # paged for another office's lead
            office_id = self.rng.choice(self.offices)
        return self.rng.choice(self.people[office_id])

    def page(self, lead: Lead, person: Salesperson | None, at: datetime, state: str) -> Page:
        rng = self.rng
        assignment = Assignment(
            lead_id=lead.id,
            salesperson_id=person.id if person else None,
            rule="rotation" if person else "manager",
            reason="test",
            created_at=at,
        )
        db.session.add(assignment)
        db.session.flush()
        sent = at + timedelta(seconds=rng.uniform(0.5, 4)) if rng.random() < 0.8 else None
        page = Page(
            assignment_id=assignment.id,
            lead_id=lead.id,
            salesperson_id=person.id if person else None,
            to_number=person.mobile if person else "+12025550100",
            body="Client call, please call the office.",
            state=state,
            created_at=at,
            deadline_at=(sent or at) + timedelta(seconds=300),
            sent_at=sent,
        )
        if state == "acknowledged":
            late = rng.random() < 0.1  # after ten minutes: the coordinator's button
            seconds = rng.uniform(600, 4000) if late else rng.uniform(0, 300)
            page.acknowledged_at = (sent or at) + timedelta(seconds=seconds)
            if rng.random() < 0.7:
                # From seconds to days: lognormal-ish over five decades.
                after = math.exp(rng.uniform(math.log(5), math.log(4 * 86400)))
                lead.outcome = rng.choice(OUTCOMES)
                lead.outcome_at = page.acknowledged_at + timedelta(seconds=after)
        db.session.add(page)
        db.session.flush()
        return page
