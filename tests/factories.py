"""Helpers that build records with explicit times, for tests of the services."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.leads.service import LeadDetails, log_lead
from dispatcher.models import Office, Page, Salesperson
from dispatcher.pages.sending import PageSending, record_sent
from dispatcher.sms import SentMessage, outbound
from dispatcher.sms.outbox import new_sid

T0 = datetime(2026, 11, 23, 15, 0, 0)  # a Monday afternoon, office hours (UTC)
CLAIM_TIMEOUT = timedelta(seconds=60)  # SEND_CLAIM_SECONDS' default


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


def page_out(page: Page, at: datetime, *, status: str = "sent") -> Page:
    """The page claimed and handed to Twilio at ``at`` (as the send job does); its
    deadline 300 s later."""
    claimed = outbound.claim(
        PageSending(300), session=db.session, row_id=page.id, now=at, claim_timeout=CLAIM_TIMEOUT
    )
    assert claimed is not None, "the page was not sendable"
    return record_sent(
        session=db.session,
        page=claimed,
        sent=SentMessage(new_sid(), status),
        now=at,
        deadline_seconds=300,
    )
