"""What the Twilio failure tests share (issue #7, 9): the short client timeout (their
modules are marked ``twilio`` and ``settings(TWILIO_TIMEOUT_SECONDS=TIMEOUT)``), an
injected sleep and clock for the transport, and small look-ups. Every wait goes through
the injected sleep and clock: nothing sleeps for real, and the only real waits are
sub-second client timeouts."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads.service import current_page
from dispatcher.models import LeadEvent, Page
from dispatcher.sms import sms_transport
from tests.factories import new_lead
from workers import jobs

TIMEOUT = 0.3  # seconds: the client's timeout here, so ambiguous cases cost little


class FakeTime:
    """The transport's sleep, clock and random source: waits are recorded, not slept."""

    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []
        self.draws = itertools.cycle([0.5])

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def draw(self) -> float:
        return next(self.draws)


@pytest.fixture
def fake_time(app) -> FakeTime:
    """The transport's waits recorded, not slept (a fixture for every test, via conftest)."""
    fake = FakeTime()
    transport = sms_transport()
    transport.sleep, transport.clock, transport.draw = fake.sleep, fake.clock, fake.draw
    return fake


def log_lead(office) -> tuple[int, int]:
    """A lead logged and committed; its id and its page's id. The page is written now, as
    in production (the factory's clock is a fixed Monday), since the lookup searches
    Twilio from the page's writing on."""
    lead = new_lead(office)
    page = current_page(session=db.session, lead_id=lead.id)
    page.created_at = utcnow()
    ids = lead.id, page.id
    db.session.commit()
    return ids


def send_page(page_id: int) -> str:
    # The job has its own session; this test's must not hold SQLite's write lock.
    db.session.commit()
    return jobs.send_page(page_id)


def page(page_id: int) -> Page:
    db.session.expire_all()
    return db.session.get(Page, page_id)


def events(page_id: int, kind: str) -> list[LeadEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(LeadEvent).where(LeadEvent.page_id == page_id, LeadEvent.kind == kind)
        )
    )
