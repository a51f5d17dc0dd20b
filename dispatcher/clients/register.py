"""The registration log (O2, O3): every call and visit, numbered per office in time order.

Append-only: nothing here (nor any screen, API or command) updates or deletes an entry,
and the database refuses to (triggers). A mistake is corrected by a new entry pointing at
the one it corrects; both stay.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from dispatcher.clients import ownership
from dispatcher.clients.registry import NumberFound, find_client
from dispatcher.inserts import insert_now
from dispatcher.models import Client, ClientNumber, Lead, Office, Registration
from routing.ownership import FIRST_CONTACT, FOLLOW_UP, NAMED, SERVED
from routing.registration import missing_facts

_registrations = Registration.__table__
# The next number of the office's log, taken in the insert itself: on PostgreSQL the
# office's row is locked while a lead is routed (leads.routing_inputs), on SQLite the one
# writer holds the database, so no two entries of an office take the same number (and
# the unique constraint would refuse it if they did).
_APPEND = (
    insert(_registrations)
    .values(
        number=select(func.coalesce(func.max(_registrations.c.number), 0) + 1)
        .where(_registrations.c.office_id == bindparam("of_office"))
        .scalar_subquery()
    )
    # Built once, as the other statements of logging a call (bench/README.md).
    .returning(*_registrations.c)
)


def append(session: Session, **entry) -> Registration:
    """Append one entry (the columns of Registration, without its number); ``missing`` is
    the tuple of O2's facts it lacks (routing.registration.missing_facts)."""
    entry["valid"] = not entry["missing"]
    entry["missing"] = ", ".join(entry["missing"])
    params = {**entry, "of_office": entry["office_id"]}
    row = session.execute(_APPEND, params).one()
    # The entry as inserted, put in the session as if read (no second statement to read
    # back what the insert returned: logging a call counts its statements).
    entry = Registration(**row._asdict())
    make_transient_to_detached(entry)
    session.add(entry)
    return entry


def register_lead(
    session: Session,
    *,
    office: Office,
    lead: Lead,
    found: Mapping[str, NumberFound],
    named_id: int | None,
    actor: str,
    now: datetime,
) -> Registration:
    """Log the lead's caller (a call or a visit) and find or make their client. ``named_id``:
    the salesperson the caller named (X1: the one routing chose among several), who owns a
    valid registration's client unless it already has a valid owner (O4, X2). ``found``:
    the clients of the lead's numbers (registry.by_number)."""
    missing = missing_facts(
        name=lead.caller_name,
        title=lead.caller_title,
        phone=lead.caller_phone,
        kind=lead.kind,
        need=lead.need,
        channel=lead.channel,
    )
    client = _client_of(session, office=office, lead=lead, found=found, now=now)
    entry = append(
        session,
        office_id=office.id,
        at=now,
        channel=lead.channel,
        lead_id=lead.id,
        client_id=client.id,
        caller_name=lead.caller_name,
        caller_title=lead.caller_title,
        phone=lead.caller_phone,
        need=lead.need,
        named_salesperson_id=named_id,
        missing=missing,
        recorded_by=actor[:80],
    )
    if entry.valid and named_id is not None:
        ownership.record(
            session,
            client=client,
            office=office,
            kind=NAMED,
            at=now,
            actor=actor,
            salesperson_id=named_id,
            detail=f"Named by the caller, registration {entry.number}",
            lead_id=lead.id,
            registration_id=entry.id,
        )
    return entry


def on_acknowledged(
    session: Session, *, office: Office, lead_id: int, salesperson_id: int, now: datetime
) -> None:
    """The salesperson called the client back: they received them (O1) if the client has
    no owner and the registration is valid; the owner's call is a follow-up (O6); anyone
    else served the owner's client, who stays the owner's (O5)."""
    entry = session.scalar(
        select(Registration)
        .where(Registration.lead_id == lead_id)
        .order_by(Registration.id.desc())
        .limit(1)
    )
    if entry is None or entry.client_id is None:
        return  # a lead from before the log, or a stub not yet completed
    client = session.get(Client, entry.client_id)
    owner = ownership.owner_now(session, client, office=office, now=now).owner_id
    if owner is None:
        if not _valid_now(session, entry):
            return  # O2: an invalid registration gives nobody the client
        kind, detail = FIRST_CONTACT, f"Received the client, registration {entry.number}"
    elif owner == salesperson_id:
        kind, detail = FOLLOW_UP, f"Called back, Ref {lead_id}"
    else:
        kind, detail = SERVED, f"Served the owner's client, Ref {lead_id}"
    ownership.record(
        session,
        client=client,
        office=office,
        kind=kind,
        at=now,
        actor="acknowledgement",
        salesperson_id=salesperson_id,
        detail=detail,
        lead_id=lead_id,
        registration_id=entry.id,
    )


def on_follow_up(
    session: Session,
    *,
    office: Office,
    lead_id: int,
    salesperson_id: int,
    now: datetime,
    detail: str,
) -> None:
    """A salesperson reported on a lead (C7, ``DONE``): a follow-up of its client (O6),
    which keeps the client only when it is the owner's."""
    client_id = session.scalar(
        select(Registration.client_id)
        .where(Registration.lead_id == lead_id)
        .order_by(Registration.id.desc())
        .limit(1)
    )
    if client_id is None:
        return
    ownership.record(
        session,
        client=session.get(Client, client_id),
        office=office,
        kind=FOLLOW_UP,
        at=now,
        actor="report",
        salesperson_id=salesperson_id,
        detail=detail,
        lead_id=lead_id,
    )


def _valid_now(session: Session, entry: Registration) -> bool:
    """Whether the entry, or the latest correction of it, is valid."""
    latest = session.scalar(
        select(Registration)
        .where(Registration.corrects_id == entry.id)
        .order_by(Registration.id.desc())
        .limit(1)
    )
    return (latest or entry).valid


def _client_of(
    session: Session,
    *,
    office: Office,
    lead: Lead,
    found: Mapping[str, NumberFound],
    now: datetime,
) -> Client:
    """The client one of whose numbers the caller's is; else a new client, of the family of
    the family member's number when the coordinator gave one that is known (O9)."""
    client = found[lead.caller_phone].client if lead.caller_phone in found else None
    if client is None and session.get_bind().dialect.name != "sqlite":
        # Read before the office's row was locked: a call from the same new number logged
        # meanwhile may have made the client since (SQLite's one writer cannot have).
        client = find_client(session, office_id=office.id, phone=lead.caller_phone)
    if client is not None:
        if lead.caller_name and lead.caller_name != client.name:
            client.name = lead.caller_name  # the latest name given; the log keeps each
        return client
    family = None
    if lead.related_phone:
        relative = found.get(lead.related_phone)
        if relative is not None:
            family = relative.client.family_id or relative.client.id
    # Written at once, one INSERT each (dispatcher/inserts.py): a flush for the client's
    # id and another at the commit for its number were a fifth of logging a call.
    client = insert_now(
        session,
        Client(
            office_id=office.id,
            name=lead.caller_name,
            title=lead.caller_title,
            need=lead.need,
            created_at=now,
            family_id=family,
            owner_team="",
            disputed=False,
        ),
    )
    insert_now(
        session, ClientNumber(office_id=office.id, client_id=client.id, phone=lead.caller_phone)
    )
    return client
