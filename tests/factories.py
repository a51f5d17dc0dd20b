"""The one set of helpers that build records for the tests: leads logged and pages sent,
acknowledged or missed at explicit times through the services, a lead paged through the
send job; and the counts and people the tests look up."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.leads.service import LeadDetails, current_page, log_lead
from dispatcher.models import Lead, Office, Page, Salesperson
from dispatcher.pages import service as pages
from testkit.records import CLAIM_TIMEOUT, page_out
from workers import jobs

__all__ = [
    "CLAIM_TIMEOUT",
    "T0",
    "acknowledged",
    "count",
    "missed",
    "new_lead",
    "page_out",
    "paged_lead",
    "person",
]

T0 = datetime(2026, 11, 23, 15, 0, 0)  # a Monday afternoon, office hours (UTC)


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


def paged_lead(office: Office, **fields) -> SimpleNamespace:
    """A lead logged, committed and its page sent by the send job (through the Twilio stub
    or the outbox, as the settings say): the ids ``lead`` and ``page``."""
    lead = new_lead(office, **fields)
    page = current_page(session=db.session, lead_id=lead.id)
    ids = SimpleNamespace(lead=lead.id, page=page.id)
    db.session.commit()
    assert jobs.send_page(ids.page) == "sent"
    return ids
