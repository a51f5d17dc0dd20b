"""A salesperson's own clients and their follow-ups (O6): a call, a visit or a message
recorded on their page keeps the client theirs for the office's lapse days more, but only
when they are the owner; a colleague's contact keeps nobody's ownership alive (O5).

A salesperson sees only their own clients: those they own now and those whose split
gives them a share (O7). Anyone else's client is not found (the views answer 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.clients import ownership
from dispatcher.clients.words import FOLLOW_UP_WAYS
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import Client, ClientEvent, Office, Salesperson
from routing.ownership import BY_DISPUTE, FOLLOW_UP, OWNER_SET, Ownership, local_day

# The clients a dispute was decided for: only they may hold a split (O7).
_SPLIT_CLIENTS = select(ClientEvent.client_id).where(
    ClientEvent.kind == OWNER_SET, ClientEvent.reason == BY_DISPUTE
)


@dataclass(frozen=True)
class MyClient:
    """One of a salesperson's clients as their page shows it."""

    client: Client
    state: Ownership
    owner: bool  # False: a share of a split only
    share: int | None  # their percentage in a split, None: no split
    keep_until: date | None  # O6: the last local day the client stays theirs without contact


def _mine(
    session: Session, client: Client, *, office: Office, me: int, now: datetime
) -> MyClient | None:
    family = ownership.family_of(session, client)
    state = ownership.owner_now(session, family, office=office, now=now)
    shares = dict(state.shares)
    if state.owner_id != me and me not in shares:
        return None
    keep_until = None
    if state.owner_id == me and state.last_follow_up_at is not None:
        keep_until = local_day(state.last_follow_up_at, office.timezone) + timedelta(
            days=office.ownership_lapse_days
        )
    return MyClient(client, state, state.owner_id == me, shares.get(me), keep_until)


def my_clients(
    session: Session, *, office: Office, salesperson_id: int, now: datetime
) -> list[MyClient]:
    """The salesperson's clients, with each family's members, the latest owned first."""
    families = session.scalars(
        select(Client)
        .where(
            Client.office_id == office.id,
            Client.family_id.is_(None),
            # Stored owner or closer (the window may have made the closer the owner) or a
            # decided dispute (a split's shares): the time rules are applied below.
            (Client.owner_id == salesperson_id)
            | (Client.closer_id == salesperson_id)
            | Client.id.in_(_SPLIT_CLIENTS.where(ClientEvent.office_id == office.id)),
        )
        .order_by(Client.owner_since.desc(), Client.id.desc())
    )
    owned = [
        mine
        for family in families
        if (mine := _mine(session, family, office=office, me=salesperson_id, now=now))
    ]
    # The families' other members in one read, not one per family.
    members: dict[int, list[Client]] = {}
    if owned:
        for member in session.scalars(
            select(Client)
            .where(Client.family_id.in_([mine.client.id for mine in owned]))
            .order_by(Client.id)
        ):
            members.setdefault(member.family_id, []).append(member)
    found = []
    for mine in owned:
        found.append(mine)
        found += [
            MyClient(member, mine.state, mine.owner, mine.share, mine.keep_until)
            for member in members.get(mine.client.id, ())
        ]
    return found


def my_client(
    session: Session, *, office: Office, salesperson_id: int, client_id: int, now: datetime
) -> MyClient | None:
    """The client if it is the salesperson's (owned or shared), else None."""
    client = session.get(Client, client_id)
    if client is None or client.office_id != office.id:
        return None
    return _mine(session, client, office=office, me=salesperson_id, now=now)


def record_follow_up(
    session: Session,
    *,
    mine: MyClient,
    office: Office,
    salesperson: Salesperson,
    way: str,
    note: str,
    now: datetime,
) -> bool:
    """Log the salesperson's call, visit or message; True when it kept the client theirs
    (they are the owner), False when it was recorded only (a share of a split)."""
    if way not in FOLLOW_UP_WAYS:
        raise InvalidInput({"way": "A call, a visit or a message."})
    detail = FOLLOW_UP_WAYS[way] + (f": {note.strip()}" if note.strip() else "")
    ownership.record(
        session,
        client=mine.client,
        office=office,
        kind=FOLLOW_UP,
        at=now,
        actor=salesperson.name,
        salesperson_id=salesperson.id,
        detail=detail,
    )
    return mine.owner
