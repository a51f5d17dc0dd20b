"""A salesperson's own clients on their page: only theirs (another's client is a 404,
whoever asks), a follow-up (call, visit, message) that keeps the client theirs for the
lapse days more when they are the owner (O6, day 20 kept, day 21 lapsed on the office's
calendar) and says it keeps nothing when they hold only a share (O7)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from dispatcher.clients import disputes
from dispatcher.extensions import db
from dispatcher.models import ClientEvent
from routing.ownership import FOLLOW_UP
from tests.app_setup import sign_in
from tests.client_records import assert_records_replay, owner_name, received, set_now, words
from tests.factories import T0, count, person


@pytest.fixture
def alice(client, office, monkeypatch):
    set_now(monkeypatch, T0)
    return sign_in(client, "alice")


def test_a_salesperson_sees_only_their_own_clients(alice, office):
    hers = received(office, by="Alice Chen", name="Zebulon Quill", phone="+12025550171")
    his = received(office, by="Bruno Diaz", name="Mr Quill", phone="+12025550172")
    son = received(office, by=None, name="Junior Quill", phone="+12025550173")
    son.family_id = hers.id  # O9: the family is hers
    db.session.commit()
    page = words(alice.get("/me/clients"))
    assert "Zebulon Quill" in page and "Junior Quill" in page and "Mr Quill" not in page
    assert "Yours until Sun 13 Dec without a follow-up" in page
    assert "Zebulon Quill" in words(alice.get(f"/me/clients/{hers.id}"))
    assert alice.get(f"/me/clients/{his.id}").status_code == 404
    assert alice.get("/me/clients/4242").status_code == 404
    taken = alice.post(f"/me/clients/{his.id}/follow-up", data={"way": "call"})
    assert taken.status_code == 404 and count(ClientEvent) == 2
    assert alice.get("/manager/clients").status_code == 403


def test_a_follow_up_keeps_the_client_for_the_lapse_days_more(alice, office, monkeypatch):
    hers = received(office, by="Alice Chen", at=T0)
    db.session.commit()
    # Day 20 after the first contact (13 December, New York): still hers.
    day_20 = datetime(2026, 12, 14, 4, 59)  # Sunday 13 December, 23:59 EST
    set_now(monkeypatch, day_20)
    response = alice.post(
        f"/me/clients/{hers.id}/follow-up",
        data={"way": "visit", "note": "Saw the garden"},
        follow_redirects=True,
    )
    assert "stays yours until Sat 02 Jan, 20 days without one" in words(response)
    event = db.session.scalar(select(ClientEvent).where(ClientEvent.kind == FOLLOW_UP))
    assert event.detail == "visit: Saw the garden"
    assert owner_name(hers, office, datetime(2027, 1, 3, 4, 59)) == "Alice Chen"  # 2 Jan
    assert owner_name(hers, office, datetime(2027, 1, 3, 5, 0)) is None  # 3 January
    assert_records_replay(office)


def test_without_a_follow_up_the_client_lapses_on_day_21(alice, office, monkeypatch):
    hers = received(office, by="Alice Chen", at=T0)
    db.session.commit()
    set_now(monkeypatch, datetime(2026, 12, 14, 5, 0))  # Monday 14 December: day 21
    assert "No clients yet" in words(alice.get("/me/clients"))
    assert alice.post(f"/me/clients/{hers.id}/follow-up", data={"way": "call"}).status_code == 404
    assert owner_name(hers, office, datetime(2026, 12, 14, 5, 0)) is None


def test_a_share_holders_follow_up_is_recorded_and_says_it_keeps_nothing(
    alice, office, monkeypatch
):
    shared = received(office, by="Bruno Diaz")
    disputes.raise_dispute(
        db.session,
        client=shared,
        office=office,
        salesperson=person("Alice Chen"),
        reason="Mine first",
        now=T0,
    )
    disputes.decide_dispute(
        db.session,
        client=shared,
        office=office,
        owner_id=person("Bruno Diaz").id,
        shares=((person("Bruno Diaz").id, 50), (person("Alice Chen").id, 50)),
        note="",
        actor="m",
        now=T0,
    )
    db.session.commit()
    assert "your share 50%" in words(alice.get("/me/clients"))
    set_now(monkeypatch, T0 + timedelta(days=19))
    response = alice.post(
        f"/me/clients/{shared.id}/follow-up", data={"way": "message"}, follow_redirects=True
    )
    assert "You are not Mrs Example's owner" in words(response)
    assert "does not keep the client for anyone" in words(response)
    # Bruno's ownership still counts from the decision: it lapses on day 21 after it.
    assert owner_name(shared, office, T0 + timedelta(days=21)) is None
    assert_records_replay(office)


def test_a_follow_up_needs_a_way_and_plain_text(alice, office):
    hers = received(office, by="Alice Chen")
    db.session.commit()
    url = f"/me/clients/{hers.id}/follow-up"
    for data in ({"way": "telepathy"}, {}, {"way": "call", "note": "a\x00b"}):
        response = alice.post(url, data=data, follow_redirects=True)
        assert "Nothing recorded" in words(response)
    assert count(ClientEvent) == 1
