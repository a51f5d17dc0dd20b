"""The migration that started the registration log (f498fa21cfe9) on a database that holds
leads from before it: every lead that is not a call stub becomes an entry, numbered in
time order per office and judged by O2 as typed then; one client per caller number of
each office; and the owner the service guessed until then (the salesperson behind the
number's latest acknowledgement or outcome report) carried over at that instant.

A database of its own (SQLite file, or a PostgreSQL database with TEST_DATABASE_URL),
migrated to the revision before, filled with SQL as the service of then wrote it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from dispatcher import create_app
from dispatcher.clients.ownership import replayed, state_of
from dispatcher.extensions import db
from dispatcher.models import Client, ClientEvent, ClientNumber, Office, Registration
from routing.registration import FULL_NAME, NAME, NEED
from tests.app_setup import PG_URL, base_settings

BEFORE = "d5e8a1c4b7f2"
T0 = datetime(2026, 11, 2, 15, 0)


@pytest.fixture
def database(tmp_path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    name = f"dispatch_migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def insert(table: str, **values) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{column}" for column in values)
    return db.session.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values
    ).scalar_one()


def old_lead(office, phone, name, kind, at, *, channel="call", state="open", **extra) -> int:
    return insert(
        "lead",
        office_id=office,
        channel=channel,
        kind=kind,
        caller_name=name,
        caller_phone=phone,
        source="",
        notes="",
        state=state,
        created_at=at,
        **extra,
    )


def acknowledged_by(lead: int, person: int, at: datetime) -> None:
    assignment = insert(
        "assignment",
        lead_id=lead,
        salesperson_id=person,
        rule="rotation",
        reason="Next in rotation",
        created_at=at,
        manager_decides_on_miss=False,
    )
    insert(
        "page",
        assignment_id=assignment,
        lead_id=lead,
        salesperson_id=person,
        to_number="+12025550101",
        body="Client call, please call the office.",
        state="acknowledged",
        version=2,
        created_at=at,
        deadline_at=at + timedelta(minutes=5),
        send_attempts=1,
        acknowledged_at=at + timedelta(minutes=2),
        acknowledged_by="sms",
    )


def person(office: int, name: str, mobile: str) -> int:
    return insert(
        "salesperson",
        office_id=office,
        name=name,
        mobile=mobile,
        skills="",
        active=True,
        rotation_position=0,
    )


def test_old_leads_become_the_log_and_the_old_guess_is_carried_over(database):
    app = create_app(base_settings(database, "redis://unused"))
    with app.app_context():
        upgrade(revision=BEFORE)
        century = insert("office", name="Century", timezone="America/New_York")
        harbour = insert("office", name="Harbour", timezone="Asia/Hong_Kong")
        alice = person(century, "Alice Chen", "+12025550101")
        bruno = person(century, "Bruno Diaz", "+12025550102")
        hana = person(harbour, "Hana Wong", "+12025550301")
        # Century: a client called back by Alice, who calls again and is called back by
        # Bruno, then Alice reports on the second call (the latest contact: Alice's).
        first = old_lead(century, "+12025550188", "Mrs Example", "buyer", T0)
        acknowledged_by(first, alice, T0)
        untitled = old_lead(century, "+12025550171", "Quill", "other", T0 + timedelta(hours=1))
        acknowledged_by(untitled, bruno, T0 + timedelta(hours=1))
        again = old_lead(
            century,
            "+12025550188",
            "Mrs Example",
            "buyer",
            T0 + timedelta(days=1),
            outcome="appointment_set",
            outcome_at=T0 + timedelta(days=2),
            outcome_by_id=alice,
        )
        acknowledged_by(again, bruno, T0 + timedelta(days=1))
        old_lead(century, "+12025550199", "", "", T0 + timedelta(days=2), state="stub")
        visitor = old_lead(
            century,
            "+12025550172",
            "Ms Rivera",
            "renter",
            T0 + timedelta(days=3),
            channel="walk_in",
        )
        # Harbour, between Century's first two: the same number is another office's client.
        theirs = old_lead(
            harbour, "+12025550188", "Mrs Example", "seller", T0 + timedelta(minutes=30)
        )
        acknowledged_by(theirs, hana, T0 + timedelta(minutes=30))
        db.session.commit()

        upgrade()

        log = db.session.scalars(select(Registration).order_by(Registration.id)).all()
        numbered = {(e.office_id, e.number): (e.lead_id, e.valid, e.missing) for e in log}
        assert numbered == {
            (century, 1): (first, True, ""),
            (century, 2): (untitled, False, f"{NAME}, {NEED}"),
            (century, 3): (again, True, ""),
            (century, 4): (visitor, False, FULL_NAME),  # a walk-in gives a full name
            (harbour, 1): (theirs, True, ""),
        }
        assert all(e.recorded_by == "migration" for e in log)
        # In time order within each office (the stub is no registration).
        for office in (century, harbour):
            times = [e.at for e in log if e.office_id == office]
            assert times == sorted(times)

        numbers = {
            (n.office_id, n.phone): n.client_id for n in db.session.scalars(select(ClientNumber))
        }
        assert set(numbers) == {
            (century, "+12025550188"),
            (century, "+12025550171"),
            (century, "+12025550172"),
            (harbour, "+12025550188"),
        }
        assert len(set(numbers.values())) == 4 == len(db.session.scalars(select(Client)).all())
        for entry in log:
            assert numbers[(entry.office_id, entry.phone)] == entry.client_id

        def owner(office, phone):
            client = db.session.get(Client, numbers[(office, phone)])
            return client.owner_id, client.last_follow_up_at

        # The old guess: the later of the number's latest acknowledgement and latest report.
        assert owner(century, "+12025550188") == (alice, T0 + timedelta(days=2))
        assert owner(century, "+12025550171") == (bruno, T0 + timedelta(hours=1, minutes=2))
        assert owner(century, "+12025550172") == (None, None)
        assert owner(harbour, "+12025550188") == (hana, T0 + timedelta(minutes=32))
        events = db.session.scalars(select(ClientEvent)).all()
        assert {(e.kind, e.reason, e.actor) for e in events} == {
            ("owner_set", "carried_over", "migration")
        }
        # Each record is the fold of its log, as the service keeps it from now on.
        for client in db.session.scalars(select(Client)):
            office = db.session.get(Office, client.office_id)
            assert replayed(db.session, client, office=office) == state_of(client)

        # The log refuses changes from here on.
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("UPDATE registration SET valid = true"))
        db.session.rollback()
        db.engine.dispose()
