"""Clients and courtesy texts for the courtesy tests, written straight to the database."""

from __future__ import annotations

from datetime import date, datetime

from dispatcher.extensions import db
from dispatcher.models import Client, ClientNumber, CourtesyTemplate, Office
from tests.factories import person

# Saturday 14 March 2026, 09:50 in New York (EDT): before the birthday window.
MORNING = datetime(2026, 3, 14, 13, 50)
BIRTHDAY = date(1980, 3, 14)


def a_client(
    office: Office,
    *,
    name: str = "Zhang Wei",
    phone: str = "+12025550161",
    stage: str = "closed",
    owner: str | None = "Alice Chen",
    **fields,
) -> Client:
    client = Client(
        office_id=office.id,
        name=name,
        stage=stage,
        created_at=datetime(2026, 1, 1),
        owner_id=person(owner).id if owner else None,
        **fields,
    )
    db.session.add(client)
    db.session.flush()
    db.session.add(ClientNumber(office_id=office.id, client_id=client.id, phone=phone))
    db.session.flush()
    return client


def a_template(
    office: Office,
    *,
    kind: str = "birthday",
    body: str = "Happy birthday, {client}! {salesperson}",
    approved: bool = True,
    **fields,
) -> CourtesyTemplate:
    template = CourtesyTemplate(
        office_id=office.id,
        kind=kind,
        name=fields.pop("name", kind),
        body=body,
        project=fields.pop("project", ""),
        stages=fields.pop("stages", ""),
        held=False,
        approved_at=datetime(2026, 3, 1) if approved else None,
        approved_by="manager" if approved else None,
        updated_at=datetime(2026, 3, 1),
        updated_by="manager",
        **fields,
    )
    db.session.add(template)
    db.session.flush()
    return template
