"""The registration log's screen and API (issue 16; docs/rules.md O2, O3): the office's
log newest first, paged, with a filter for what is still invalid; each entry with its
corrections; a correction appended from a prefilled form, never an edit."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from dispatcher.clients.registry import find_client
from dispatcher.extensions import db
from dispatcher.models import ClientEvent, Registration
from routing.registration import FULL_NAME, NAME, NEED, PHONE
from tests.app_setup import sign_in
from tests.factories import T0, acknowledged, count, new_lead, person


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def numbers_shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="registration-(\d+)"', html)]


@pytest.fixture
def logged(office):
    """Three calls: 1 valid, 2 without a title (invalid), 3 valid."""
    for minutes, name in ((0, "Mrs Example"), (1, "Quixote"), (2, "Mr Quill")):
        new_lead(
            office,
            now=T0 + timedelta(minutes=minutes),
            caller_name=name,
            caller_phone=f"(202) 555-01{70 + minutes}",
        )
    db.session.commit()


def test_the_words_of_the_facts_can_be_stored_joined():
    assert all(", " not in fact for fact in (NAME, FULL_NAME, PHONE, NEED))


def test_the_log_is_newest_first_and_says_what_is_missing(coordinator, logged, clock):
    page = text(coordinator.get("/register"))
    assert numbers_shown(page) == [3, 2, 1]
    assert f"invalid: missing {NAME}" in re.sub(r"<[^>]+>", "", page)
    assert page.count(">valid<") == 2
    # Only what is still invalid.
    assert numbers_shown(text(coordinator.get("/register?invalid=1"))) == [2]


def test_the_log_is_paged(coordinator, logged, clock, monkeypatch):
    monkeypatch.setattr("dispatcher.clients.log.PAGE_SIZE", 2)
    first = text(coordinator.get("/register"))
    assert numbers_shown(first) == [3, 2] and "Page 1 of 2" in first
    second = text(coordinator.get("/register?page=2"))
    assert numbers_shown(second) == [1] and "Newer" in second
    assert numbers_shown(text(coordinator.get("/register?page=9"))) == []
    assert numbers_shown(text(coordinator.get("/register?page=x"))) == [3, 2]


def test_correct_opens_the_form_prefilled_from_the_entry(coordinator, logged, clock):
    entry = db.session.scalar(select(Registration).where(Registration.number == 2))
    page = text(coordinator.get(f"/register/{entry.id}/correct"))
    assert 'value="Quixote"' in page and 'value="+12025550171"' in page
    assert "Correct registration 2" in page


def test_a_correction_is_a_new_entry_shown_with_the_original(coordinator, logged, clock):
    entry = db.session.scalar(select(Registration).where(Registration.number == 2))
    clock(T0 + timedelta(hours=1))
    response = coordinator.post(
        f"/register/{entry.id}/correct",
        data={"caller_title": "Mr", "caller_name": "Quixote", "phone": "(202) 555-0171"},
        follow_redirects=True,
    )
    assert "Registration 4 corrects 2: valid." in text(response)
    rows = db.session.scalars(select(Registration).order_by(Registration.number)).all()
    assert [(r.number, r.corrects_id, r.valid) for r in rows] == [
        (1, None, True),
        (2, None, False),
        (3, None, True),
        (4, entry.id, True),
    ]
    assert rows[3].recorded_by == "coordinator" and rows[3].at == T0 + timedelta(hours=1)
    page = text(coordinator.get("/register"))
    # Both stay in view, the correction under the entry it corrects.
    assert re.search(r'id="registration-2".*?<td>4 <small>corrects 2</small>', page, re.S)
    assert numbers_shown(text(coordinator.get("/register?invalid=1"))) == []


def test_a_correction_of_a_correction_points_at_the_original(coordinator, logged, clock):
    entry = db.session.scalar(select(Registration).where(Registration.number == 2))
    data = {"caller_name": "Quixote", "phone": "(202) 555-0171", "need": ""}
    coordinator.post(f"/register/{entry.id}/correct", data=data)
    first = db.session.scalar(select(Registration).where(Registration.number == 4))
    # Opened from the correction: prefilled from it, appended against the original.
    assert 'value="Quixote"' in text(coordinator.get(f"/register/{first.id}/correct"))
    response = coordinator.post(
        f"/register/{first.id}/correct", data={**data, "caller_title": "Dr"}, follow_redirects=True
    )
    assert "Registration 5 corrects 2: valid." in text(response)
    fifth = db.session.scalar(select(Registration).where(Registration.number == 5))
    assert fifth.corrects_id == entry.id


def test_a_correction_still_invalid_says_so(coordinator, logged, clock):
    entry = db.session.scalar(select(Registration).where(Registration.number == 2))
    response = coordinator.post(
        f"/register/{entry.id}/correct",
        data={"caller_name": "Quixote", "phone": ""},
        follow_redirects=True,
    )
    assert f"Registration 4 corrects 2, still invalid: missing {NAME}, {PHONE}." in text(response)


def test_a_bad_correction_changes_nothing(coordinator, logged, clock):
    entry = db.session.scalar(select(Registration).where(Registration.number == 2))
    for data, field, message in (
        ({"phone": "12"}, "phone", "Not a valid phone number"),
        ({"caller_title": "Sir"}, "caller_title", "Not a valid choice"),
        ({"named_salesperson": "9999"}, "named_salesperson", "No salesperson with id 9999."),
        ({"caller_name": "Quix\x07ote"}, "caller_name", ""),
    ):
        response = coordinator.post(f"/register/{entry.id}/correct", data=data)
        assert response.status_code == 400, field
        page = text(response)
        assert "Nothing was saved" in page and f'id="{field}-error"' in page and message in page
    assert count(Registration) == 3


def test_completing_by_the_screen_gives_the_client_to_who_called_back(coordinator, office, clock):
    lead = new_lead(office, caller_name="Quixote", kind="other")
    page = acknowledged(lead, T0 + timedelta(minutes=1))
    db.session.commit()
    entry = db.session.scalar(select(Registration))
    clock(T0 + timedelta(days=1))
    coordinator.post(
        f"/register/{entry.id}/correct",
        data={
            "caller_title": "Mr",
            "caller_name": "Quixote",
            "phone": "2025550188",
            "need": "A shop",
        },
    )
    client = find_client(db.session, office_id=office.id, phone="+12025550188")
    assert client.owner_id == page.salesperson_id
    kinds = db.session.scalars(select(ClientEvent.kind).where(ClientEvent.client_id == client.id))
    assert list(kinds) == ["first_contact"]
    lead_page = text(coordinator.get(f"/leads/{lead.id}"))
    assert "No. 1</a>, corrected by No. 2: valid" in lead_page


def test_another_offices_entry_is_not_found(coordinator, logged, clock):
    assert coordinator.get("/register/9999/correct").status_code == 404


def test_the_manager_reads_and_corrects_the_log_a_salesperson_does_not(client, logged):
    sign_in(client, "manager")
    assert numbers_shown(text(client.get("/register"))) == [3, 2, 1]
    client.post("/sign-out")
    sign_in(client, "alice")
    assert client.get("/register").status_code == 403


# -- the API -------------------------------------------------------------------------------


@pytest.fixture
def api(app, office):
    result = app.test_cli_runner().invoke(args=["create-token", "registrations"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {result.output.strip()}"
    return client


def test_the_api_logs_the_registers_facts_and_says_if_the_registration_is_valid(api):
    alice, bruno = person("Alice Chen"), person("Bruno Diaz")
    body = {
        "caller_phone": "202-555-0188",
        "kind": "other",
        "caller_name": "Quill",
        "caller_title": "Mr",
        "need": "An office to let",
        "asked_for": bruno.id,
        "also_asked_for": alice.id,
    }
    answer = api.post("/api/leads", json=body).get_json()
    entry = db.session.scalar(select(Registration))
    assert answer["registration"] == {
        "id": entry.id,
        "number": 1,
        "valid": True,
        "missing": [],
    }
    assert answer["paged"]["name"] == "Bruno Diaz"
    invalid = api.post(
        "/api/leads", json={"caller_phone": "202-555-0177", "kind": "other", "caller_name": "Quill"}
    ).get_json()
    assert invalid["registration"]["valid"] is False
    assert invalid["registration"]["missing"] == [NAME, NEED]
    shown = api.get(f"/api/leads/{invalid['id']}").get_json()
    assert shown["registration"] == invalid["registration"]


def test_the_api_takes_a_returning_clients_reason_for_someone_else(api, office):
    lead = new_lead(office, asked_for_id=person("Alice Chen").id)
    acknowledged(lead, T0)
    db.session.commit()
    answer = api.post(
        "/api/leads",
        json={"caller_phone": "202-555-0188", "kind": "buyer", "declines_owner_reason": "Moved"},
    ).get_json()
    assert (answer["paged"], answer["rule"]) == (None, "manager")
    timeline = api.get(f"/api/leads/{answer['id']}").get_json()["timeline"]
    assert {"kind": "declines_owner"}.items() <= timeline[1].items()
    assert timeline[1]["detail"].endswith(": Moved")


def test_the_api_reads_the_log_paged_with_corrections(api, logged, coordinator, monkeypatch):
    entry = db.session.scalar(select(Registration).where(Registration.number == 2))
    coordinator.post(
        f"/register/{entry.id}/correct",
        data={"caller_title": "Mr", "caller_name": "Quixote", "phone": "(202) 555-0171"},
    )
    log = api.get("/api/registrations").get_json()
    assert (log["page"], log["pages"], log["total"]) == (1, 1, 3)
    assert [e["number"] for e in log["registrations"]] == [3, 2, 1]
    second = log["registrations"][1]
    assert (second["valid"], second["valid_now"], second["missing"]) == (False, True, [NAME])
    assert [(c["number"], c["corrects_id"], c["valid"]) for c in second["corrections"]] == [
        (4, entry.id, True)
    ]
    assert api.get("/api/registrations?invalid=true").get_json()["registrations"] == []
    monkeypatch.setattr("dispatcher.clients.log.PAGE_SIZE", 2)
    paged = api.get("/api/registrations?page=2").get_json()
    assert [e["number"] for e in paged["registrations"]] == [1] and paged["pages"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [("page=0", "page"), ("page=x", "page"), ("page=١", "page"), ("invalid=yes", "invalid")],
)
def test_the_api_refuses_a_bad_page_or_filter(api, query, field):
    answer = api.get(f"/api/registrations?{query}")
    assert answer.status_code == 422 and field in answer.get_json()["errors"]


def test_a_token_reads_its_own_offices_log_only(app, api, logged):
    from dispatcher.office.setup import create_office

    harbour = create_office(
        session=db.session, name="Harbour", timezone="Asia/Hong_Kong", phone=None, region="US"
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["create-token", "harbour", "--office", str(harbour.id)]
    )
    other = app.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {result.output.strip()}"
    assert other.get("/api/registrations").get_json()["total"] == 0
    assert api.get("/api/registrations").get_json()["total"] == 3
