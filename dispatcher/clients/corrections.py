"""Correcting the registration log (O3): a new entry that points at the original, never an
edit. Completing an invalid registration (O2) gives the client to whom it would have gone
had it been valid from the start: the salesperson the caller named (O4), else the one
who called them back (O1) when the client has no valid owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.clients import ownership, register
from dispatcher.clients.log import latest_version
from dispatcher.clients.registry import find_client
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import (
    Client,
    ClientNumber,
    Lead,
    Office,
    Page,
    PageState,
    Registration,
    Salesperson,
)
from dispatcher.phones import to_e164
from routing.ownership import FIRST_CONTACT, NAMED
from routing.registration import TITLES, missing_facts


@dataclass(frozen=True)
class CorrectedFacts:
    """What the coordinator typed on the correction form."""

    caller_name: str = ""
    caller_title: str = ""
    phone: str = ""  # as typed; stored in E.164
    need: str = ""
    named_salesperson_id: int | None = None


def original_of(session: Session, entry: Registration) -> Registration:
    """The entry a correction corrects (corrections always point at the original)."""
    return session.get(Registration, entry.corrects_id) if entry.corrects_id else entry


def correct_registration(
    session: Session,
    *,
    office: Office,
    original: Registration,
    facts: CorrectedFacts,
    actor: str,
    now: datetime,
    region: str,
) -> Registration:
    """Append the correcting entry; InvalidInput (nothing recorded) for a bad field."""
    phone = _checked(session, office=office, facts=facts, region=region)
    lead = session.get(Lead, original.lead_id) if original.lead_id else None
    was_valid = latest_version(session, original).valid
    missing = missing_facts(
        name=facts.caller_name,
        title=facts.caller_title,
        phone=phone,
        kind=lead.kind if lead else "other",
        need=facts.need,
        channel=original.channel,
    )
    correction = register.append(
        session,
        office_id=office.id,
        at=now,
        channel=original.channel,
        lead_id=original.lead_id,
        client_id=original.client_id,
        caller_name=facts.caller_name.strip(),
        caller_title=facts.caller_title,
        phone=phone,
        need=facts.need.strip(),
        named_salesperson_id=facts.named_salesperson_id,
        referred_by_client_id=original.referred_by_client_id,
        missing=missing,
        corrects_id=original.id,
        recorded_by=actor[:80],
    )
    if original.client_id is None:
        return correction
    client = session.get(Client, original.client_id)
    _keep_the_client_current(session, client=client, correction=correction, office=office)
    if correction.valid and not was_valid:
        _ownership_follows(session, client=client, correction=correction, office=office, now=now)
    return correction


def _checked(session: Session, *, office: Office, facts: CorrectedFacts, region: str) -> str:
    errors = {}
    phone = ""
    if facts.phone.strip():
        try:
            phone = to_e164(facts.phone, region)
        except ValueError as error:
            errors["phone"] = str(error)
    if facts.caller_title and facts.caller_title not in TITLES:
        errors["caller_title"] = f"Choose one of: {', '.join(TITLES)}."
    if facts.named_salesperson_id is not None:
        person = session.get(Salesperson, facts.named_salesperson_id)
        if person is None or person.office_id != office.id:
            errors["named_salesperson"] = f"No salesperson with id {facts.named_salesperson_id}."
    if errors:
        raise InvalidInput(errors)
    return phone


def _keep_the_client_current(
    session: Session, *, client: Client, correction: Registration, office: Office
) -> None:
    """The client's record shows the latest facts (the log keeps every version); a
    corrected number nobody has yet becomes one of theirs, so their next call finds them."""
    if correction.caller_name:
        client.name = correction.caller_name
    if correction.caller_title:
        client.title = correction.caller_title
    if correction.need:
        client.need = correction.need
    phone = correction.phone
    if phone and find_client(session, office_id=office.id, phone=phone) is None:
        session.add(ClientNumber(office_id=office.id, client_id=client.id, phone=correction.phone))


def _ownership_follows(
    session: Session, *, client: Client, correction: Registration, office: Office, now: datetime
) -> None:
    """The registration is valid now: the named salesperson (O4), else whoever called the
    client back on its lead receives them (O1) if nobody owns them validly."""
    original = session.get(Registration, correction.corrects_id)
    completed = f"registration {original.number} completed by {correction.number}"
    if correction.named_salesperson_id is not None:
        ownership.record(
            session,
            client=client,
            office=office,
            kind=NAMED,
            at=now,
            actor=correction.recorded_by,
            salesperson_id=correction.named_salesperson_id,
            detail=f"Named by the caller, {completed}",
            lead_id=correction.lead_id,
            registration_id=correction.id,
        )
        return
    if correction.lead_id is None:
        return
    called_back = session.scalar(
        select(Page.salesperson_id)
        .where(
            Page.lead_id == correction.lead_id,
            Page.state == PageState.ACKNOWLEDGED,
            Page.salesperson_id.is_not(None),
        )
        .order_by(Page.acknowledged_at, Page.id)
        .limit(1)
    )
    if called_back is None:
        return
    if ownership.owner_now(session, client, office=office, now=now).owner_id is not None:
        return
    ownership.record(
        session,
        client=client,
        office=office,
        kind=FIRST_CONTACT,
        at=now,
        actor=correction.recorded_by,
        salesperson_id=called_back,
        detail=f"Received the client, {completed}",
        lead_id=correction.lead_id,
        registration_id=correction.id,
    )
