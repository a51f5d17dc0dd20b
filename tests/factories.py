"""The one set of helpers that build records for the tests: leads logged and pages sent,
acknowledged or missed at explicit times through the services, a lead paged through the
send job; and the counts and people the tests look up."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.leads.service import LeadDetails, current_page, log_lead
from dispatcher.models import Lead, Office, OfficeHours, Page, Salesperson
from dispatcher.office.roster_edits import schedule_changed
from dispatcher.pages import service as pages
from testkit.records import CLAIM_TIMEOUT, page_out
from workers import jobs

__all__ = [
    "CLAIM_TIMEOUT",
    "T0",
    "acknowledged",
    "c8_hours",
    "count",
    "logged_page",
    "missed",
    "new_lead",
    "open_round_the_clock",
    "page_out",
    "paged_lead",
    "person",
]

T0 = datetime(2026, 11, 23, 15, 0, 0)  # a Monday afternoon, office hours (UTC)


def open_round_the_clock(office: Office) -> None:
    """The tests run at any hour of the real clock (jobs and the API read it), so the
    test office's coordinator works round the clock unless a test says otherwise."""
    for weekday in range(7):
        db.session.add(OfficeHours(office_id=office.id, weekday=weekday, opens=0, closes=1440))
    schedule_changed(office)
    db.session.flush()


def c8_hours(office: Office) -> None:
    """Back to C8's hours: Monday-Friday 08:00-20:00, weekends 09:00-18:00."""
    db.session.query(OfficeHours).filter(OfficeHours.office_id == office.id).delete()
    schedule_changed(office)
    db.session.commit()


def count(model) -> int:
    """How many rows the table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def person(name: str) -> Salesperson:
    return db.session.scalar(select(Salesperson).where(Salesperson.name == name))


def new_lead(office: Office, *, now: datetime = T0, deadline: int = 300, **fields):
    details = LeadDetails(
        caller_phone=fields.pop("caller_phone", "(202) 555-0188"),
        kind=fields.pop("kind", "buyer"),
        caller_name=fields.pop("caller_name", "Mrs Example"),
        **fields,
    )
    return log_lead(
        session=db.session,
        office=office,
        details=details,
        logged_by_id=None,
        actor="test",
        now=now,
        deadline_seconds=deadline,
        region="US",
    )


def acknowledged(lead: Lead, at: datetime = T0, *, after: float = 0) -> Page:
    """The lead's page sent at ``at`` and acknowledged by SMS ``after`` seconds later."""
    page = page_out(lead, at)
    now = at + timedelta(seconds=after)
    assert pages.acknowledge_page(session=db.session, page_id=page.id, now=now, by="sms")
    return page


def missed(lead: Lead, at: datetime = T0):
    """The lead's page sent at ``at`` and its deadline passed unanswered; the outcome."""
    page = page_out(lead, at)
    return pages.handle_deadline(
        session=db.session,
        page_id=page.id,
        now=page.deadline_at + timedelta(seconds=1),
        deadline_seconds=300,
    )


def logged_page(office: Office, **fields) -> SimpleNamespace:
    """A lead logged and committed, its page not yet sent: the page's ``id``, ``lead_id``
    and ``created_at`` (read before the commit: the tests' requests share the test's
    session, and a read after the commit would begin a transaction that a request's
    rollback ends, jobs' work too)."""
    lead = new_lead(office, **fields)
    page = current_page(session=db.session, lead_id=lead.id)
    ids = SimpleNamespace(id=page.id, lead_id=lead.id, created_at=page.created_at)
    db.session.commit()
    return ids


def paged_lead(office: Office, **fields) -> SimpleNamespace:
    """A lead logged, committed and its page sent by the send job (through the Twilio stub
    or the outbox, as the settings say): the ids ``lead`` and ``page``."""
    page = logged_page(office, **fields)
    assert jobs.send_page(page.id) == "sent"
    return SimpleNamespace(lead=page.lead_id, page=page.id)
