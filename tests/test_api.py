"""The JSON API: bearer tokens and sessions, logging a lead, its state, acknowledging it
by hand, the salespeople, and a message per bad field with nothing recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.models import ApiToken, Lead, LeadEvent, Page, Salesperson
from tests.app_setup import sign_in
from tests.factories import count, person

PROVISIONED = "provisioned-token-for-tests"
CALL = {
    "caller_name": "Zebulon Quill",
    "caller_phone": "(202) 555-0188",
    "kind": "buyer",
    "source": "Yard sign",
    "notes": "Wants a garden",
}


def made_token(app) -> str:
    result = app.test_cli_runner().invoke(args=["create-token", "ci"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def token(app, office) -> str:
    return made_token(app)


@pytest.fixture
def api(app, token):
    """A client that sends the CLI-made token with every request."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_create_token_keeps_only_a_hash(app, office):
    token = made_token(app)
    stored = db.session.scalar(select(ApiToken))
    assert stored.name == "ci"
    assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_post_lead_pages_someone_and_says_who_why_and_when(api):
    response = api.post("/api/leads", json=CALL)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    alice = person("Alice Chen")
    assert body["paged"] == {"id": alice.id, "name": "Alice Chen"}
    assert body["rule"] == "rotation"
    assert body["reason"] == "Next in rotation: Alice Chen"
    assert body["state"] == "open"
    assert body["deadline_at"].endswith("Z")

    lead = db.session.get(Lead, body["id"])
    assert lead.caller_phone == "+12025550188" and lead.kind == "buyer"
    assert lead.source == "Yard sign"
    page = db.session.scalar(select(Page).where(Page.lead_id == lead.id))
    assert page.salesperson_id == alice.id and page.state == "open"
    assert body["deadline_at"] == page.deadline_at.isoformat() + "Z"
    # The page goes to a phone: never the client's name or number.
    for private in ("Zebulon", "Quill", "555-0188", "5550188", "0188"):
        assert private not in page.body


def test_listing_and_asked_for_pick_the_rule(api):
    by_listing = api.post("/api/leads", json={**CALL, "listing": "L-1002"}).get_json()
    assert (by_listing["paged"]["name"], by_listing["rule"]) == ("Bruno Diaz", "listing_agent")
    assert by_listing["reason"] == "Listing agent of 48 Harbor View Rd"

    erin = person("Erin Walsh")
    by_name = api.post("/api/leads", json={**CALL, "asked_for": erin.id}).get_json()
    assert by_name["paged"] == {"id": erin.id, "name": "Erin Walsh"}
    assert by_name["rule"] == "asked_for"


@pytest.fixture
def provisioned_app(settings, request):
    """The app with API_TOKEN set, as a deployment provisions it, and the demo office."""
    settings["API_TOKEN"] = PROVISIONED
    application = request.getfixturevalue("app")
    request.getfixturevalue("office")
    return application


def test_api_token_setting_provisions_a_token(provisioned_app):
    client = provisioned_app.test_client()
    headers = {"Authorization": f"Bearer {PROVISIONED}"}

    assert count(ApiToken) == 0
    assert client.get("/api/salespeople", headers=headers).status_code == 200
    assert client.post("/api/leads", json=CALL, headers=headers).status_code == 201
    wrong = client.get("/api/salespeople", headers={"Authorization": "Bearer provisioned"})
    assert wrong.status_code == 401


def test_get_lead_gives_state_and_timeline(api):
    lead_id = api.post("/api/leads", json=CALL).get_json()["id"]

    response = api.get(f"/api/leads/{lead_id}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == lead_id and body["state"] == "open"
    assert body["paged"]["name"] == "Alice Chen"
    kinds = [event["kind"] for event in body["timeline"]]
    # No worker runs here: the page is written and queued, not yet sent ("paged").
    assert kinds[:2] == ["logged", "routed"]
    assert body["timeline"][1]["detail"] == "rotation: Next in rotation: Alice Chen"
    assert body["timeline"][0]["actor"] == "api"
    assert body["page"]["state"] == "open" and body["page"]["sent_at"] is None


def test_get_unknown_lead_is_404_json(api):
    response = api.get("/api/leads/9999")
    assert response.status_code == 404
    assert response.get_json()["error"] == "No lead with id 9999."


def test_ack_by_hand_then_again_is_a_conflict(api):
    lead_id = api.post("/api/leads", json=CALL).get_json()["id"]

    first = api.post(f"/api/leads/{lead_id}/ack")

    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["state"] == "acknowledged"
    assert body["deadline_at"] is None and body["page"]["state"] == "acknowledged"
    assert [e["kind"] for e in body["timeline"]][-1] == "acknowledged"
    assert body["timeline"][-1]["actor"] == "api"

    second = api.post(f"/api/leads/{lead_id}/ack")

    assert second.status_code == 409
    assert second.get_json() == {
        "error": f"Lead {lead_id} has no open page to acknowledge.",
        "errors": {"state": "acknowledged"},
    }
    acks = db.session.scalar(
        select(func.count(LeadEvent.id)).where(
            LeadEvent.lead_id == lead_id, LeadEvent.kind == "acknowledged"
        )
    )
    assert acks == 1


def test_ack_unknown_lead_is_404(api):
    assert api.post("/api/leads/9999/ack").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"caller_phone": "12345"}, "caller_phone"),
        ({"caller_phone": "call me maybe"}, "caller_phone"),
        ({"caller_phone": ""}, "caller_phone"),
        ({"kind": "tourist"}, "kind"),
        ({"kind": None}, "kind"),
        ({"channel": "fax"}, "channel"),
        ({"asked_for": 9999}, "asked_for"),
        ({"asked_for": "Alice"}, "asked_for"),
        ({"asked_for": -(10**26)}, "asked_for"),  # beyond the database's integer
        ({"asked_for": 2**31}, "asked_for"),
        ({"caller_name": {"first": "Zeb"}}, "caller_name"),
    ],
)
def test_each_bad_field_is_named_and_nothing_is_recorded(api, change, field):
    response = api.post("/api/leads", json={**CALL, **change})

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "Some fields are not valid."
    assert body["errors"][field]
    assert (count(Lead), count(Page), count(LeadEvent)) == (0, 0, 0)


def test_missing_kind_is_required(api):
    call = {key: value for key, value in CALL.items() if key != "kind"}
    response = api.post("/api/leads", json=call)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"kind": "This field is required."}
    assert count(Lead) == 0


def test_every_bad_field_is_named_at_once(api):
    response = api.post(
        "/api/leads",
        json={**CALL, "caller_phone": "12345", "related_phone": "12", "asked_for": 9999},
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"caller_phone", "related_phone", "asked_for"}
    assert count(Lead) == 0


def test_an_unknown_listing_is_logged_and_routed_without_it_with_a_warning(api):
    """Issue #15 item 7: the ref typed is no reason to lose the caller."""
    response = api.post("/api/leads", json={**CALL, "listing": "L-9999"})

    assert response.status_code == 201
    body = response.get_json()
    assert body["rule"] == "rotation" and body["paged"]["name"] == "Alice Chen"
    assert body["warnings"] == {
        "listing": "Listing ref 'L-9999' is none of the office's listings: the lead was "
        "routed without it. Correct it on the lead's page."
    }
    assert "warnings" not in api.post("/api/leads", json={**CALL, "listing": "L-1002"}).get_json()


def test_json_numbers_and_nulls_are_read_as_a_form_would(api):
    response = api.post(
        "/api/leads",
        json={"caller_phone": 2025550188, "kind": "seller", "asked_for": None, "notes": None},
    )
    assert response.status_code == 201, response.get_json()
    lead = db.session.get(Lead, response.get_json()["id"])
    assert lead.caller_phone == "+12025550188" and lead.asked_for_id is None


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("caller_phone=2025550188&kind=buyer", "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ('["a", "list"]', "application/json"),
        ("", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400_json(api, data, content_type):
    response = api.post("/api/leads", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.is_json
    assert "JSON object" in response.get_json()["error"]
    assert count(Lead) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic Y29vcmRpbmF0b3I6ZGVtby1wYXNzd29yZA=="},
    ],
)
def test_no_or_wrong_token_is_401_json(app, office, token, headers):
    client = app.test_client()
    for method, url in [
        ("post", "/api/leads"),
        ("get", "/api/leads/1"),
        ("post", "/api/leads/1/ack"),
        ("get", "/api/salespeople"),
        ("post", "/api/salespeople"),
    ]:
        response = getattr(client, method)(url, json=CALL, headers=headers)
        assert response.status_code == 401, (method, url)
        assert response.is_json and response.get_json()["error"]
    assert count(Lead) == 0


def test_provisioned_setting_unset_accepts_no_empty_token(app, office):
    assert app.config["API_TOKEN"] is None
    response = app.test_client().get("/api/salespeople", headers={"Authorization": "Bearer "})
    assert response.status_code == 401


def test_signed_in_coordinator_uses_the_session(coordinator):
    response = coordinator.post("/api/leads", json=CALL)

    assert response.status_code == 201, response.get_json()
    lead_id = response.get_json()["id"]
    shown = coordinator.get(f"/api/leads/{lead_id}").get_json()
    assert shown["timeline"][0]["actor"] == "coordinator"
    assert db.session.get(Lead, lead_id).logged_by_id is not None
    assert coordinator.get("/api/salespeople").status_code == 200


def test_salesperson_session_may_not_use_the_api(client, office):
    sign_in(client, "alice")
    for method, url in [("post", "/api/leads"), ("get", "/api/salespeople")]:
        response = getattr(client, method)(url, json=CALL)
        # Signed in, so not 401: the role is what is refused.
        assert response.status_code == 403, (method, url)
        assert response.get_json()["error"] == (
            "Only coordinators, managers, admins and bearer tokens may do this."
        )
    assert count(Lead) == 0


def test_a_token_may_not_add_a_salesperson(api):
    response = api.post("/api/salespeople", json={"name": "Hana Kim", "mobile": "2025550120"})
    assert response.status_code == 403
    assert "managers" in response.get_json()["error"]
    assert count(Salesperson) == 7


def test_list_salespeople_in_rotation_order(api):
    response = api.get("/api/salespeople")

    assert response.status_code == 200
    people = response.get_json()["salespeople"]
    assert [p["name"] for p in people][:3] == ["Alice Chen", "Bruno Diaz", "Carmen Ortiz"]
    assert [p["rotation_position"] for p in people] == list(range(1, 8))
    assert people[0]["mobile"] == "+12025550101"
    assert people[0]["skills"] == ["listing", "seller"]
    assert people[0]["active"] is True


# Adding a salesperson is the manager's decision: a signed-in manager, not a token.
def test_add_salesperson_at_the_end_of_the_rotation(manager):
    response = manager.post(
        "/api/salespeople",
        json={"name": "Hana Kim", "mobile": "(202) 555-0120", "skills": "rental"},
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["mobile"] == "+12025550120"
    assert body["rotation_position"] == 8 and body["active"] is True
    assert body["skills"] == ["rental"]
    assert db.session.get(Salesperson, body["id"]).name == "Hana Kim"


def test_add_salesperson_takes_skills_as_the_list_it_answers_with(manager):
    response = manager.post(
        "/api/salespeople",
        json={"name": "Hana Kim", "mobile": 2025550120, "skills": ["rental", "new"]},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["skills"] == ["rental", "new"]


def test_add_inactive_salesperson(manager):
    body = manager.post(
        "/api/salespeople", json={"name": "Hana Kim", "mobile": "2025550120", "active": False}
    ).get_json()
    assert body["active"] is False


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": "Hana Kim", "mobile": "555"}, "mobile", "phone number"),
        ({"name": "Hana Kim", "mobile": "+1 202 555 0101"}, "mobile", "Alice Chen"),
        ({"name": "Hana Kim"}, "mobile", "required"),
        ({"name": "", "mobile": "2025550120"}, "name", "required"),
        ({"name": "Hana Kim", "mobile": "2025550120", "skills": "juggling"}, "skills", "juggling"),
        ({"name": "Hana Kim", "mobile": "2025550120", "skills": [1, 2]}, "skills", "string"),
    ],
)
def test_bad_salesperson_is_422_and_not_added(manager, payload, field, message):
    response = manager.post("/api/salespeople", json=payload)

    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert message in errors[field]
    assert count(Salesperson) == 7


def test_salesperson_body_that_is_not_json_is_400(manager):
    response = manager.post("/api/salespeople", data="name=Hana", content_type="text/plain")
    assert response.status_code == 400 and response.is_json
    assert count(Salesperson) == 7
