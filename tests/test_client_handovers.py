"""Moving clients (O8, O10, O12, X7): bad service drops the first salesperson's share, a
leaver's clients go out by the office rotation (each a turn, in rotation order, each move
recorded) or to the salesperson the manager chooses, deactivating hands them out too, and
designated clients and developers' referrals take the rotation's turn. Every record
equals the replay of its log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dispatcher.clients import disputes
from dispatcher.extensions import db
from dispatcher.models import Client, ClientEvent, ManagerChange, RotationPointer
from routing.ownership import BY_HANDOVER, OWNER_SET
from tests.app_setup import sign_in
from tests.client_records import (
    assert_records_replay,
    owner_name,
    received,
    set_now,
    shares_by_name,
    words,
)
from tests.factories import T0, count, new_lead, person

LATER = T0 + timedelta(days=1)


def _three_of_bruno(office) -> list[Client]:
    return [
        received(office, by="Bruno Diaz", name=name, phone=phone, at=T0 - timedelta(days=1))
        for name, phone in (
            ("Mrs One", "+12025550181"),
            ("Mr Two", "+12025550182"),
            ("Ms Three", "+12025550183"),
        )
    ]


def _handovers() -> list[tuple[int, str]]:
    return [
        (event.client_id, event.detail)
        for event in db.session.scalars(
            select(ClientEvent).where(ClientEvent.reason == BY_HANDOVER).order_by(ClientEvent.id)
        )
    ]


def test_a_leavers_clients_go_out_in_rotation_order_each_a_turn(client, office, monkeypatch):
    clients = _three_of_bruno(office)
    db.session.commit()
    manager = sign_in(client, "manager")
    set_now(monkeypatch, LATER)
    response = manager.post(
        "/manager/clients/hand-over",
        data={"leaver": str(person("Bruno Diaz").id), "to": "rotation"},
    )
    assert response.status_code == 303
    # The office rotation from its start, Bruno left out: Alice, Carmen, David.
    assert [owner_name(c, office, LATER) for c in clients] == [
        "Alice Chen",
        "Carmen Ortiz",
        "David Park",
    ]
    assert [detail for _, detail in _handovers()] == [
        f"From Bruno Diaz, who left, to {name}, by the office rotation"
        for name in ("Alice Chen", "Carmen Ortiz", "David Park")
    ]
    # Each was a turn: the next call by rotation goes to the one after David.
    pointer = db.session.scalar(select(RotationPointer).where(RotationPointer.pool == "office"))
    assert pointer.salesperson_id == person("David Park").id
    assert new_lead(office, caller_phone="202-555-0170").assignments[-1].salesperson.name == (
        "Erin Walsh"
    )
    page = manager.get(f"/manager/clients/{clients[1].id}").get_data(as_text=True)
    assert "hand-over: the owner left the office" in page
    assert_records_replay(office)


def test_to_a_salesperson_the_manager_chooses_no_turn_is_taken(client, office, monkeypatch):
    clients = _three_of_bruno(office)
    db.session.commit()
    manager = sign_in(client, "manager")
    set_now(monkeypatch, LATER)
    manager.post(
        "/manager/clients/hand-over",
        data={"leaver": str(person("Bruno Diaz").id), "to": str(person("Grace Liu").id)},
    )
    assert {owner_name(c, office, LATER) for c in clients} == {"Grace Liu"}
    assert count(RotationPointer) == 0
    assert all("chosen by the manager" in detail for _, detail in _handovers())
    assert_records_replay(office)


def test_deactivating_a_salesperson_hands_their_clients_out(client, office, monkeypatch):
    clients = _three_of_bruno(office)
    db.session.commit()
    manager = sign_in(client, "manager")
    set_now(monkeypatch, LATER)
    bruno = person("Bruno Diaz")
    response = manager.post(
        f"/manager/salespeople/{bruno.id}",
        data={"name": bruno.name, "mobile": bruno.mobile, "skills": "listing", "team": "East"},
        follow_redirects=True,
    )
    assert "3 of their clients handed out by the office rotation" in response.get_data(as_text=True)
    assert not person("Bruno Diaz").active and person("Bruno Diaz").team == "East"
    assert len(_handovers()) == 3
    assert all(owner_name(c, office, LATER) != "Bruno Diaz" for c in clients)
    changes = db.session.scalars(select(ManagerChange.detail)).all()
    assert "Bruno Diaz: team (none) -> East" in changes
    assert_records_replay(office)


def test_with_nobody_in_the_rotation_the_hand_over_is_refused_and_nothing_moves(
    client, office, monkeypatch
):
    clients = _three_of_bruno(office)
    for name in ("Alice Chen", "Carmen Ortiz", "David Park", "Erin Walsh", "Farid Haddad"):
        person(name).status = "off_shift"
    person("Grace Liu").active = False
    db.session.commit()
    manager = sign_in(client, "manager")
    set_now(monkeypatch, LATER)
    response = manager.post(
        "/manager/clients/hand-over",
        data={"leaver": str(person("Bruno Diaz").id), "to": "rotation"},
    )
    assert response.status_code == 400
    assert "Nobody is available" in response.get_data(as_text=True)
    assert _handovers() == [] and count(RotationPointer) == 0
    assert {owner_name(c, office, LATER) for c in clients} == {"Bruno Diaz"}
    bad = manager.post("/manager/clients/hand-over", data={"leaver": "99999", "to": "rotation"})
    assert bad.status_code == 400 and "Choose a salesperson" in bad.get_data(as_text=True)


def test_bad_service_moves_the_client_and_drops_the_first_share(client, office, monkeypatch):
    target = received(office, by="Alice Chen")
    disputes.record_deposit(
        db.session,
        client=target,
        office=office,
        closer_id=person("Bruno Diaz").id,
        actor="m",
        now=T0,
    )
    disputes.raise_dispute(
        db.session,
        client=target,
        office=office,
        salesperson=person("Bruno Diaz"),
        reason="I closed",
        now=T0,
    )
    disputes.decide_dispute(
        db.session,
        client=target,
        office=office,
        owner_id=person("Alice Chen").id,
        shares=((person("Alice Chen").id, 80), (person("Bruno Diaz").id, 20)),
        note="",
        actor="m",
        now=T0,
    )
    db.session.commit()
    manager = sign_in(client, "manager")
    set_now(monkeypatch, LATER)
    response = manager.post(
        f"/manager/clients/{target.id}/move",
        data={"salesperson": str(person("Carmen Ortiz").id), "reason": "bad_service"},
    )
    assert response.status_code == 303
    assert owner_name(target, office, LATER) == "Carmen Ortiz"
    assert shares_by_name(target) == []  # Alice's 80% went with her
    moved = db.session.scalars(
        select(ClientEvent).where(ClientEvent.kind == OWNER_SET).order_by(ClientEvent.id.desc())
    ).first()
    assert moved.reason == "bad_service" and moved.detail == "From Alice Chen to Carmen Ortiz"
    page = manager.get(f"/manager/clients/{target.id}").get_data(as_text=True)
    assert "bad service: the first salesperson loses their share" in page
    # Another reason is the manager's decision; a move to the owner is refused.
    again = manager.post(
        f"/manager/clients/{target.id}/move",
        data={"salesperson": str(person("Carmen Ortiz").id), "reason": "manager"},
    )
    assert again.status_code == 400 and "Carmen Ortiz's already" in words(again)
    odd = manager.post(
        f"/manager/clients/{target.id}/move",
        data={"salesperson": str(person("David Park").id), "reason": "whim"},
    )
    assert odd.status_code == 400
    assert owner_name(target, office, LATER) == "Carmen Ortiz"
    assert_records_replay(office)


def test_designated_clients_and_developer_referrals_take_the_rotations_turn(
    client, office, monkeypatch
):
    manager = sign_in(client, "manager")
    set_now(monkeypatch, LATER)
    first = manager.post(
        "/manager/clients/designated",
        data={"name": "Mr Quill", "phone": "202-555-0177", "need": "Flat", "source": "designated"},
    )
    assert first.status_code == 303
    second = manager.post(
        "/manager/clients/designated",
        data={"name": "Zebulon", "phone": "202-555-0176", "need": "House", "source": "developer"},
        follow_redirects=True,
    )
    page = words(second)
    assert "goes to Bruno Diaz, the office rotation's turn" in page
    assert "Bruno Diaz 50% / the developer's referral 50%" in page
    designated, referred = db.session.scalars(select(Client).order_by(Client.id)).all()
    assert owner_name(designated, office, LATER) == "Alice Chen"
    assert shares_by_name(referred) == [("Bruno Diaz", 50)]
    # A number that is someone's client already is refused; nothing is made or moved.
    again = manager.post(
        "/manager/clients/designated",
        data={"name": "Mr Quill", "phone": "202-555-0177", "need": "Flat"},
    )
    assert again.status_code == 400
    assert "Alice Chen's client already" in words(again)
    hostile = manager.post(
        "/manager/clients/designated",
        data={"name": "Mr\x1bQuill", "phone": "202-555-0175", "need": "Flat"},
    )
    assert hostile.status_code == 400 and count(Client) == 2
    assert_records_replay(office)
