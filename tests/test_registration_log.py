"""The registration log (issue 16; docs/rules.md O1-O4): append-only in the database
itself, numbered in time order per office, judged by O2's three facts, and corrected by
new entries whose completion gives the client as a valid registration would have.

Run with TEST_DATABASE_URL too: the refusals are a trigger on each database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from dispatcher.clients.corrections import CorrectedFacts, correct_registration
from dispatcher.clients.ownership import owner_now
from dispatcher.extensions import db
from dispatcher.models import Client, ClientEvent, Registration, Salesperson
from dispatcher.office.setup import create_office
from routing.registration import FULL_NAME, NAME, NEED, PHONE, missing_facts
from tests.factories import T0, acknowledged, new_lead, person


def entry_of(lead) -> Registration:
    return db.session.scalar(
        select(Registration).where(
            Registration.lead_id == lead.id, Registration.corrects_id.is_(None)
        )
    )


def owner_of(phone: str, office, at=T0) -> int | None:
    from dispatcher.clients.registry import find_client

    client = find_client(db.session, office_id=office.id, phone=phone)
    return owner_now(db.session, client, office=office, now=at).owner_id


def refused(statement: str) -> str:
    """The database's refusal of a statement, as text (the transaction carries on)."""
    connection = db.session.connection()
    savepoint = connection.begin_nested()
    with pytest.raises(DBAPIError) as refusal:
        connection.execute(text(statement))
    savepoint.rollback()
    return str(refusal.value)


# -- append-only, from SQL itself ----------------------------------------------------------


def test_the_logs_refuse_update_and_delete_from_sql_itself(office):
    lead = new_lead(office)
    acknowledged(lead)
    db.session.flush()
    entry = entry_of(lead)
    assert db.session.scalar(select(ClientEvent.id)) is not None

    for statement in (
        f"UPDATE registration SET caller_name = 'Someone else' WHERE id = {entry.id}",
        f"UPDATE registration SET valid = NOT valid WHERE id = {entry.id}",
        f"DELETE FROM registration WHERE id = {entry.id}",
        "UPDATE client_event SET salesperson_id = NULL",
        "DELETE FROM client_event",
    ):
        assert "append-only: record a correcting entry instead" in refused(statement), statement

    db.session.expire_all()
    assert entry_of(lead).caller_name == "Mrs Example"
    # Appending is what the log is for: a new entry goes in.
    db.session.execute(
        text(
            "INSERT INTO registration (office_id, number, at, channel, caller_name, caller_title, "
            "phone, need, valid, missing, recorded_by) VALUES (:office, 99, :at, 'call', 'Mr X', "
            "'', '', '', false, 'a phone number', 'sql')"
        ),
        {"office": office.id, "at": T0},
    )


# -- numbered in time order, per office ----------------------------------------------------


def test_each_office_numbers_its_own_log_in_time_order(office):
    harbour = create_office(
        session=db.session, name="Harbour", timezone="Asia/Hong_Kong", phone=None, region="US"
    )
    db.session.add(Salesperson(office_id=harbour.id, name="Hana Wong", mobile="+12025550301"))
    db.session.flush()
    logged = []
    for minutes, where in ((0, office), (1, harbour), (2, office), (3, office), (4, harbour)):
        lead = new_lead(
            where, now=T0 + timedelta(minutes=minutes), caller_phone=f"20255501{60 + minutes}"
        )
        logged.append((where.id, entry_of(lead)))

    for office_id in (office.id, harbour.id):
        entries = [entry for where, entry in logged if where == office_id]
        assert [entry.number for entry in entries] == list(range(1, len(entries) + 1))
        assert [entry.at for entry in entries] == sorted(entry.at for entry in entries)
    # A correction is an entry of its office's log too: the next number.
    first = logged[0][1]
    correction = correct_registration(
        db.session,
        office=office,
        original=first,
        facts=CorrectedFacts(caller_name="Mrs Example", phone="+12025550160", need="a flat"),
        actor="coordinator",
        now=T0 + timedelta(minutes=5),
        region="US",
    )
    assert (correction.number, correction.corrects_id) == (4, first.id)


# -- O2: the three facts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"caller_name": "Example"}, NAME),  # a surname without a title
        ({"caller_name": ""}, NAME),
        ({"kind": "other"}, NEED),  # "other" says no need by itself
        ({"caller_name": "Example", "kind": "other"}, f"{NAME}, {NEED}"),
    ],
)
def test_an_invalid_registration_says_what_is_missing_and_gives_nobody_the_client(
    office, fields, missing
):
    lead = new_lead(office, asked_for_id=person("Bruno Diaz").id, **fields)
    acknowledged(lead, T0 + timedelta(minutes=1))
    entry = entry_of(lead)
    assert (entry.valid, entry.missing) == (False, missing)
    # Neither the salesperson named (O4) nor the one who called back (O1) owns them.
    assert owner_of("+12025550188", office, T0 + timedelta(minutes=2)) is None


def test_a_number_is_one_of_the_three_facts():
    assert missing_facts(name="Mrs Example", title="", phone="", kind="buyer", need="") == (PHONE,)


def test_a_kind_that_says_the_need_and_a_need_in_words_both_count(office):
    for kind, need in (("buyer", ""), ("seller", ""), ("renter", ""), ("landlord", "")):
        assert missing_facts(name="Mr Li", title="", phone="+1", kind=kind, need=need) == ()
    assert missing_facts(name="Mr Li", title="", phone="+1", kind="other", need="a shop") == ()


def test_a_surname_with_a_title_is_enough_for_a_caller_not_for_a_walk_in(office):
    caller = entry_of(new_lead(office, caller_name="Example", caller_title="Mrs"))
    visitor = entry_of(
        new_lead(
            office,
            caller_name="Example",
            caller_title="Mrs",
            channel="walk_in",
            caller_phone="(202) 555-0177",
        )
    )
    seen_in_full = entry_of(
        new_lead(
            office,
            caller_name="Mrs Jane Example",
            channel="walk_in",
            caller_phone="(202) 555-0178",
        )
    )
    assert caller.valid and caller.missing == ""
    assert (visitor.valid, visitor.missing) == (False, FULL_NAME)
    assert seen_in_full.valid
    # A title in the name counts as the field does, in Chinese characters too.
    assert missing_facts(name="王先生", title="", phone="+1", kind="buyer", need="") == ()
    assert missing_facts(
        name="王先生", title="", phone="+1", kind="buyer", need="", channel="walk_in"
    ) == (FULL_NAME,)
    assert (
        missing_facts(
            name="王小明先生", title="", phone="+1", kind="buyer", need="", channel="walk_in"
        )
        == ()
    )


# -- completing an invalid registration by correction --------------------------------------


def complete(office, entry, *, at, **facts) -> Registration:
    values = {"caller_name": "Example", "caller_title": "Mrs", "phone": "+12025550188"}
    values.update(facts)
    return correct_registration(
        db.session,
        office=office,
        original=entry,
        facts=CorrectedFacts(**values),
        actor="coordinator",
        now=at,
        region="US",
    )


def test_completing_it_gives_the_client_to_the_salesperson_who_called_back(office):
    lead = new_lead(office, caller_name="Example")  # no title: invalid
    page = acknowledged(lead, T0 + timedelta(minutes=1))
    entry = entry_of(lead)
    later = T0 + timedelta(days=1)
    assert owner_of("+12025550188", office, later) is None

    correction = complete(office, entry, at=later)

    assert correction.valid and correction.corrects_id == entry.id
    assert owner_of("+12025550188", office, later) == page.salesperson_id
    event = db.session.scalar(
        select(ClientEvent).where(ClientEvent.registration_id == correction.id)
    )
    assert event.kind == "first_contact"
    assert event.detail == "Received the client, registration 1 completed by 2"
    # Both entries stay, the original unchanged.
    db.session.expire_all()
    assert (entry_of(lead).valid, entry_of(lead).caller_title) == (False, "")
    # The lapse counts from the completion (O6): day 20 after it still theirs, 21 not.
    assert owner_of("+12025550188", office, later + timedelta(days=20)) == page.salesperson_id
    assert owner_of("+12025550188", office, later + timedelta(days=21)) is None


def test_completing_it_gives_the_client_to_the_salesperson_named(office):
    lead = new_lead(office, caller_name="Example", kind="other")
    acknowledged(lead, T0 + timedelta(minutes=1))
    entry = entry_of(lead)
    bruno = person("Bruno Diaz").id
    half = complete(office, entry, at=T0 + timedelta(hours=1), named_salesperson_id=bruno)
    assert (half.valid, half.missing) == (False, NEED)  # still no need: still nobody's
    assert owner_of("+12025550188", office, T0 + timedelta(hours=1)) is None

    done = complete(
        office, entry, at=T0 + timedelta(hours=2), need="a shop", named_salesperson_id=bruno
    )

    assert done.valid and done.corrects_id == entry.id  # corrections point at the original
    assert owner_of("+12025550188", office, T0 + timedelta(hours=2)) == bruno


def test_completing_it_leaves_a_client_with_a_valid_owner_theirs(office):
    first = new_lead(office, caller_name="Mrs Example")
    alice_page = acknowledged(first, T0)
    owner = alice_page.salesperson_id
    again = new_lead(office, now=T0 + timedelta(days=2), caller_name="Example")
    entry = entry_of(again)
    complete(office, entry, at=T0 + timedelta(days=3))
    assert owner_of("+12025550188", office, T0 + timedelta(days=3)) == owner


def test_a_corrected_number_finds_the_client_next_time(office):
    lead = new_lead(office, caller_name="Example")
    entry = entry_of(lead)
    complete(office, entry, at=T0 + timedelta(hours=1), phone="(202) 555-0186")
    from dispatcher.clients.registry import find_client

    found = find_client(db.session, office_id=office.id, phone="+12025550186")
    assert found is not None and found.id == entry.client_id
    assert db.session.get(Client, entry.client_id).title == "Mrs"


def test_a_bad_correction_records_nothing(office):
    from dispatcher.invalid_input import InvalidInput

    entry = entry_of(new_lead(office, caller_name="Example"))
    with pytest.raises(InvalidInput) as refusal:
        complete(office, entry, at=T0, phone="12", caller_title="Sir", named_salesperson_id=9999)
    assert set(refusal.value.errors) == {"phone", "caller_title", "named_salesperson"}
    assert db.session.scalars(select(Registration.id)).all() == [entry.id]
