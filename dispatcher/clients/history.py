"""The manager's view of the clients: the list (search by name or number, owner, stage,
paged) and one client's whole history: every registration of the family with who received
it, every follow-up, every ownership change and why, the stages, deposits, disputes and
splits, read from the two logs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from dispatcher.clients import ownership
from dispatcher.clients.words import STAGES
from dispatcher.models import (
    Client,
    ClientEvent,
    ClientNumber,
    Office,
    Page,
    Registration,
    Salesperson,
)
from dispatcher.text import ascii_whole_number
from routing.ownership import Ownership

PAGE_SIZE = 50
NOBODY = "nobody"  # the owner filter for clients nobody owns


@dataclass(frozen=True)
class ClientPage:
    clients: list[Client]
    page: int
    pages: int
    total: int


def client_list(
    session: Session,
    *,
    office: Office,
    search: str = "",
    owner: str = "",
    stage: str = "",
    page: int = 1,
) -> ClientPage:
    """The office's clients matching the filters, by name or any number (digits of it),
    their family's stored owner (or ``nobody``) and stage; the newest first."""
    family = aliased(Client)
    query = (
        select(Client)
        .join(family, family.id == func.coalesce(Client.family_id, Client.id))
        .where(Client.office_id == office.id)
    )
    search = search.strip()
    if search:
        digits = re.sub(r"\D", "", search)
        by_name = Client.name.ilike(f"%{_escaped(search)}%", escape="\\")
        if len(digits) >= 3:
            numbers = select(ClientNumber.client_id).where(
                ClientNumber.office_id == office.id, ClientNumber.phone.like(f"%{digits}%")
            )
            query = query.where(by_name | Client.id.in_(numbers))
        else:
            query = query.where(by_name)
    if owner == NOBODY:
        query = query.where(family.owner_id.is_(None))
    elif (owner_id := ascii_whole_number(owner)) is not None:
        query = query.where(family.owner_id == owner_id)
    if stage in STAGES:
        query = query.where(Client.stage == stage)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    clients = list(
        session.scalars(
            query.order_by(Client.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        )
    )
    return ClientPage(clients, page, pages, total)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class History:
    client: Client
    family: Client
    members: list[Client]  # the family's other clients (O9)
    state: Ownership  # now, the time rules applied
    registrations: list[Registration]  # every call and visit of the family, in log order
    received_by: dict[int, str]  # registration id -> who received the caller (paged, took)
    entries: list[ClientEvent]  # the family's ownership log and the client's stages
    names: dict[int, str]  # salesperson id -> name, for the entries and the shares


def history(session: Session, *, client: Client, office: Office, now: datetime) -> History:
    family = ownership.family_of(session, client)
    members = list(
        session.scalars(
            select(Client)
            .where((Client.id == family.id) | (Client.family_id == family.id))
            .order_by(Client.id)
        )
    )
    ids = [member.id for member in members]
    registrations = list(
        session.scalars(
            select(Registration)
            .where(Registration.client_id.in_(ids))
            .order_by(Registration.number)
        )
    )
    entries = list(
        session.scalars(
            select(ClientEvent)
            .where(ClientEvent.client_id.in_(ids))
            .order_by(ClientEvent.at, ClientEvent.id)
        )
    )
    names = dict(
        session.execute(
            select(Salesperson.id, Salesperson.name).where(Salesperson.office_id == office.id)
        ).all()
    )
    return History(
        client=client,
        family=family,
        members=[member for member in members if member.id != client.id],
        state=ownership.owner_now(session, client, office=office, now=now),
        registrations=registrations,
        received_by=_received_by(session, registrations, entries, names),
        entries=entries,
        names=names,
    )


def _received_by(
    session: Session,
    registrations: list[Registration],
    entries: list[ClientEvent],
    names: dict[int, str],
) -> dict[int, str]:
    """Who received each registration: the salesperson of its log entry (received,
    named, followed up, served), else whoever acknowledged its lead's page."""
    found: dict[int, str] = {}
    for entry in entries:
        if entry.registration_id is not None and entry.salesperson_id is not None:
            found.setdefault(entry.registration_id, names.get(entry.salesperson_id, ""))
    lead_ids = [r.lead_id for r in registrations if r.id not in found and r.lead_id]
    if lead_ids:
        taken = dict(
            session.execute(
                select(Page.lead_id, Page.salesperson_id).where(
                    Page.lead_id.in_(lead_ids), Page.acknowledged_at.is_not(None)
                )
            ).all()
        )
        for registration in registrations:
            person = taken.get(registration.lead_id)
            if registration.id not in found and person is not None:
                found[registration.id] = names.get(person, "")
    return found
