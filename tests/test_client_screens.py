"""The manager's client screens: the list (search by name or number, owner, stage, 50 a
page), a client's history (registrations with who received them, follow-ups, ownership
changes in words, stages, deposits), the stage (O11: invalid needs a reason, every change
kept, never an ownership entry), the office's dispute days and stand-in approval, and bad
input changing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.leads.service import LeadDetails
from dispatcher.leads.transactions import log_and_page
from dispatcher.models import Client, ClientEvent, ManagerChange
from tests.app_setup import sign_in
from tests.client_records import assert_records_replay, received, set_now, words
from tests.factories import T0, acknowledged, count, person


@pytest.fixture
def manager(client, office, monkeypatch):
    set_now(monkeypatch, T0 + timedelta(hours=1))
    return sign_in(client, "manager")


def test_the_list_finds_clients_by_name_number_owner_and_stage_and_pages(manager, office):
    received(office, by="Alice Chen", name="Zebulon Quill", phone="+12025550171")
    received(office, by="Bruno Diaz", name="Mrs Example", phone="+12025550172")
    nobodys = received(office, by=None, name="Percy 100%_", phone="+12025550173")
    nobodys.stage = "intending"
    db.session.commit()

    def listed(**query) -> str:
        return words(manager.get("/manager/clients", query_string=query))

    assert "Zebulon Quill" in listed(q="zebulon") and "Mrs Example" not in listed(q="zebulon")
    assert "Mrs Example" in listed(q="(202) 555-0172") and "Zebulon" not in listed(q="555-0172")
    assert "Percy" in listed(q="100%_") and "Zebulon" not in listed(q="%")  # % is a character
    assert "Zebulon" in listed(owner=str(person("Alice Chen").id))
    assert "Mrs Example" not in listed(owner=str(person("Alice Chen").id))
    assert "Percy" in listed(owner="nobody") and "Zebulon" not in listed(owner="nobody")
    assert "Percy" in listed(stage="intending") and "Zebulon" not in listed(stage="intending")
    assert "3 clients" in listed(owner="x'; drop table client;--", stage="<b>", page="-5")

    for n in range(50):
        received(office, by=None, name=f"Client {n:02}", phone=f"+120255502{n:02}")
    db.session.commit()
    first, second = listed(), listed(page="2")
    assert "53 clients · page 1 of 2" in first and "Client 49" in first
    assert "Zebulon Quill" in second and "Client 49" not in second


def test_the_history_shows_each_registration_who_received_it_and_every_change(
    manager, office, monkeypatch
):
    lead = log_and_page(
        LeadDetails(
            caller_phone="202-555-0188",
            kind="buyer",
            caller_name="Example",
            caller_title="Mrs",
            need="3 bedrooms",
        ),
        user_id=None,
        actor="coordinator",
    )
    page = acknowledged(db.session.merge(lead), at=T0)
    db.session.commit()
    target = db.session.scalar(select(Client))
    taker = page.salesperson.name
    set_now(monkeypatch, T0 + timedelta(hours=2))
    manager.post(f"/manager/clients/{target.id}/deposit", data={"closer": str(page.salesperson_id)})
    response = manager.get(f"/manager/clients/{target.id}")
    shown = words(response)
    assert 'data-registration="1"' in response.get_data(as_text=True)
    assert "3 bedrooms" in shown and taker in shown
    assert "received the client (first contact)" in shown
    assert "deposit paid (the closer)" in shown
    assert "disputes may be raised until 26 Nov 2026" in shown
    assert_records_replay(office)


def test_a_stage_change_is_kept_and_invalid_needs_a_reason(manager, office):
    target = received(office, by="Alice Chen")
    db.session.commit()
    url = f"/manager/clients/{target.id}/stage"
    refused = manager.post(url, data={"stage": "invalid", "reason": "  "})
    assert refused.status_code == 400 and "Say why the client is invalid" in words(refused)
    assert manager.post(url, data={"stage": "sold"}).status_code == 400
    assert manager.post(url, data={"stage": "invalid", "reason": "a\x07b"}).status_code == 400
    db.session.refresh(target)
    assert target.stage == "potential" and count(ClientEvent) == 1

    assert manager.post(url, data={"stage": "intending"}).status_code == 303
    assert manager.post(url, data={"stage": "invalid", "reason": "Wrong number"}).status_code == 303
    stages = db.session.scalars(
        select(ClientEvent.detail).where(ClientEvent.kind == "stage").order_by(ClientEvent.id)
    ).all()
    assert stages == ["potential -> intending", "intending -> invalid: Wrong number"]
    db.session.refresh(target)
    assert (target.stage, target.stage_reason) == ("invalid", "Wrong number")
    assert target.owner_id == person("Alice Chen").id  # a stage is not an ownership entry
    assert "intending -> invalid: Wrong number" in words(
        manager.get(f"/manager/clients/{target.id}")
    )
    assert_records_replay(office)


def test_an_unknown_client_is_not_found(manager, office):
    for url in ("/manager/clients/4242", "/manager/clients/4242/dispute"):
        assert manager.get(url).status_code == 404
    for action in ("stage", "deposit", "move"):
        assert manager.post(f"/manager/clients/4242/{action}", data={}).status_code == 404


def test_the_office_rules_hold_the_dispute_days_and_the_stand_in_approval(manager, office):
    form = {"target_area": "", "manager_mobile": "", "ownership_lapse_days": "20"}
    response = manager.post(
        "/manager/office", data={**form, "dispute_days": "5", "stand_in_needs_approval": "on"}
    )
    assert response.status_code == 303
    db.session.refresh(office)
    assert office.dispute_days == 5 and office.stand_in_needs_approval
    changes = db.session.scalars(select(ManagerChange.detail)).all()
    assert "disputes after a deposit: 3 -> 5 days" in changes
    assert "an absent owner's stand-in needs the manager's approval" in changes
    page = manager.get("/manager/office").get_data(as_text=True)
    assert 'name="dispute_days" inputmode="numeric" value="5"' in page

    for bad in ("three", "-1", "400", "３"):
        refused = manager.post("/manager/office", data={**form, "dispute_days": bad})
        assert refused.status_code == 400
    db.session.refresh(office)
    assert office.dispute_days == 5 and office.stand_in_needs_approval
    manager.post("/manager/office", data={**form, "dispute_days": "5"})
    db.session.refresh(office)
    assert not office.stand_in_needs_approval
