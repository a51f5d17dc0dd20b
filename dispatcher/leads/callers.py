"""Looking a caller up while the coordinator types the number: is this a known client,
who owns them, when were they last followed up (O1, O6), and the name they gave last
time (filled in for the coordinator, who may correct it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatcher.clients.ownership import owner_now
from dispatcher.clients.registry import find_client
from dispatcher.models import Lead, Office, Salesperson


@dataclass(frozen=True)
class CallerLookup:
    previous_leads: int
    caller_name: str = ""  # the name given on their latest lead that has one
    owner_name: str | None = None
    last_contact_at: datetime | None = None
    ownership_valid: bool = False


def look_up_caller(*, session: Session, office: Office, phone: str, now: datetime) -> CallerLookup:
    """What the office knows of this E.164 number."""
    of_number = (Lead.office_id == office.id, Lead.caller_phone == phone)
    previous = session.scalar(select(func.count(Lead.id)).where(*of_number))
    name = session.scalar(
        select(Lead.caller_name)
        .where(*of_number, Lead.caller_name != "")
        .order_by(Lead.id.desc())
        .limit(1)
    )
    client = find_client(session, office_id=office.id, phone=phone)
    if client is None:
        return CallerLookup(previous_leads=previous or 0, caller_name=name or "")
    ownership = owner_now(session, client, office=office, now=now)
    owner_id = ownership.owner_id or ownership.lapsed_owner_id
    owner = session.get(Salesperson, owner_id) if owner_id is not None else None
    return CallerLookup(
        previous_leads=previous or 0,
        caller_name=name or client.name,
        owner_name=owner.name if owner else None,
        last_contact_at=ownership.last_follow_up_at,
        ownership_valid=ownership.owner_id is not None,
    )
