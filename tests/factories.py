"""Helpers that build records with explicit times, for tests of the services."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import Office, Salesperson
from dispatcher.services.leads import LeadDetails, log_lead

T0 = datetime(2026, 11, 23, 15, 0, 0)  # a Monday afternoon, office hours (UTC)


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
