"""Clients for the client-screen tests: made through the services (a client received by a
salesperson at an explicit time), the clock of the client screens set, and the check that
every client's record equals the replay of its log from empty."""

from __future__ import annotations

import html
from datetime import datetime

from sqlalchemy import select

from dispatcher.clients import ownership
from dispatcher.extensions import db
from dispatcher.models import Client, ClientNumber, Office, Salesperson
from routing.ownership import FIRST_CONTACT
from tests.factories import T0, person

# The modules of the client screens that read the clock.
CLOCK_READERS = ("dispatcher.clients.views", "dispatcher.office.views")


def set_now(monkeypatch, moment: datetime) -> None:
    """Now, as the client screens read it (naive UTC)."""
    for module in CLOCK_READERS:
        monkeypatch.setattr(f"{module}.utcnow", lambda: moment)


def words(response) -> str:
    """The page's text as a reader sees it (entities such as &#39; read as characters)."""
    return html.unescape(response.get_data(as_text=True))


def received(
    office: Office,
    *,
    by: str | None,
    name: str = "Mrs Example",
    phone: str = "+12025550188",
    at: datetime = T0,
) -> Client:
    """A client with one number, received by ``by`` (a salesperson's name) at ``at``."""
    client = Client(
        office_id=office.id,
        name=name,
        title="Mrs",
        need="3 bedrooms",
        created_at=at,
        owner_team="",
        disputed=False,
    )
    db.session.add(client)
    db.session.flush()
    db.session.add(ClientNumber(office_id=office.id, client_id=client.id, phone=phone))
    if by is not None:
        ownership.record(
            db.session,
            client=client,
            office=office,
            kind=FIRST_CONTACT,
            at=at,
            actor="test",
            salesperson_id=person(by).id,
        )
    db.session.flush()
    return client


def owner_name(client: Client, office: Office, now: datetime) -> str | None:
    """The client's owner at ``now`` by name (None: nobody)."""
    owner = ownership.owner_now(db.session, client, office=office, now=now).owner_id
    return db.session.get(Salesperson, owner).name if owner else None


def shares_by_name(client: Client) -> list[tuple[str, int]]:
    family = ownership.family_of(db.session, client)
    db.session.refresh(family)
    return [(db.session.get(Salesperson, p).name, pct) for p, pct in family.shares or ()]


def assert_records_replay(office: Office) -> None:
    """Every family's record equals its log replayed from empty (the log is the truth)."""
    db.session.flush()
    db.session.expire_all()  # read back from the database, not from memory
    families = db.session.scalars(
        select(Client).where(Client.office_id == office.id, Client.family_id.is_(None))
    ).all()
    assert families, "no client to check"
    for family in families:
        kept = ownership.state_of(family)
        replay = ownership.replayed(db.session, family, office=office)
        assert kept == replay, (family.id, kept, replay)
