"""The coordinator's console and the manager's salespeople page, through the test client."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import Lead, Page, Salesperson
from tests.app_setup import sign_in
from tests.factories import T0, acknowledged, count, new_lead, person

CALL = {
    "caller_phone": "(202) 555-0188",
    "caller_name": "Zebulon Quill",
    "kind": "buyer",
    "channel": "call",
    "source": "Yard sign",
    "listing": "",
    "asked_for": "",
    "notes": "",
}


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def board_row(html: str, lead_id: int) -> str:
    match = re.search(rf'<tr data-lead="{lead_id}">(.*?)</tr>', html, re.S)
    assert match, f"lead {lead_id} is not on the board"
    return match.group(1)


@pytest.mark.parametrize("url", ["/", "/board", "/leads/1", "/manager/salespeople"])
def test_pages_need_a_sign_in(client, office, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_in_returns_to_the_page_asked_for(client, office):
    response = client.post(
        "/sign-in?next=/manager/salespeople",
        data={"username": "manager", "password": "demo-password"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/manager/salespeople"


def test_sign_in_ignores_an_offsite_next(client, office):
    response = client.post(
        "/sign-in?next=//evil.example/",
        data={"username": "coordinator", "password": "demo-password"},
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(("username", "password"), [("coordinator", "nope"), ("nobody", "x")])
def test_wrong_password_says_so(client, office, username, password):
    response = client.post("/sign-in", data={"username": username, "password": password})
    assert response.status_code == 200
    assert "Wrong user name or password." in text(response)
    assert client.get("/").status_code == 302


def test_coordinator_logs_a_call_and_sees_who_why_and_the_countdown(coordinator):
    response = coordinator.post("/leads", data=CALL)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    lead = db.session.scalar(select(Lead))
    assert lead.caller_phone == "+12025550188" and lead.source == "Yard sign"
    assert lead.asked_for_id is None and lead.listing_id is None
    page = db.session.scalar(select(Page).where(Page.lead_id == lead.id))
    assert page.salesperson.name == "Alice Chen"
    assert "Zebulon" not in page.body and "0188" not in page.body

    home = coordinator.get("/")
    html = text(home)
    assert f"Lead {lead.id} logged. Paging Alice Chen: Next in rotation: Alice Chen." in html
    row = board_row(html, lead.id)
    assert "Alice Chen" in row
    assert "Next in rotation: Alice Chen" in row
    deadline = page.deadline_at.isoformat() + "Z"
    assert f'class="countdown" data-deadline="{deadline}"' in row
    assert "Called back" in row
    # The flash is shown once.
    assert "logged. Paging" not in text(coordinator.get("/"))


def test_board_fragment_shows_the_open_lead(coordinator):
    coordinator.post("/leads", data={**CALL, "listing": "L-1002"})
    lead = db.session.scalar(select(Lead))

    row = board_row(text(coordinator.get("/board")), lead.id)

    assert "Bruno Diaz" in row and "Listing agent of 48 Harbor View Rd" in row
    assert "data-deadline=" in row


def test_asked_for_by_name_from_the_form(coordinator):
    erin = person("Erin Walsh")
    coordinator.post("/leads", data={**CALL, "asked_for": str(erin.id)})
    flash = text(coordinator.get("/"))
    assert "Paging Erin Walsh: Caller asked for Erin Walsh." in flash


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"caller_phone": "12345"}, "Not a valid phone number"),
        # In the service's words, never phonenumbers' ("The string supplied did not seem...").
        ({"caller_phone": "call me maybe"}, "Not a phone number (type its digits, with the"),
        ({"caller_phone": "+999 123"}, "Not a valid phone number (check the country code"),
        ({"caller_phone": "12345678901234567890"}, "Not a valid phone number (too many digits)"),
        ({"caller_phone": ""}, "This field is required."),
        ({"kind": ""}, "This field is required."),
        ({"kind": "tourist"}, "Not a valid choice."),
        ({"asked_for": "9999"}, "No salesperson with id 9999."),
    ],
)
def test_bad_input_re_renders_the_form_and_records_nothing(coordinator, change, message):
    response = coordinator.post("/leads", data={**CALL, **change})

    assert response.status_code == 400
    html = text(response)
    assert "Nothing was saved" in html
    assert message in html and "did not seem" not in html
    # What was typed is kept so the coordinator can fix it.
    assert 'value="Yard sign"' in html
    assert (count(Lead), count(Page)) == (0, 0)


def test_kind_starts_unchosen(coordinator):
    html = text(coordinator.get("/"))
    select_kind = re.search(r'<select id="kind".*?</select>', html, re.S).group(0)
    assert select_kind.startswith('<select id="kind" name="kind" required><option value="">')
    assert "selected" not in select_kind


def test_missing_kind_is_an_error(coordinator):
    data = {key: value for key, value in CALL.items() if key != "kind"}
    response = coordinator.post("/leads", data=data)
    assert response.status_code == 400
    assert 'id="kind-error"' in text(response)
    assert count(Lead) == 0


def test_called_back_acknowledges_the_lead(coordinator):
    coordinator.post("/leads", data=CALL)
    lead = db.session.scalar(select(Lead))

    response = coordinator.post(f"/leads/{lead.id}/ack")

    assert response.status_code == 302
    db.session.refresh(lead)
    assert lead.state == "acknowledged"
    page = db.session.scalar(select(Page).where(Page.lead_id == lead.id))
    assert (page.state, page.acknowledged_by) == ("acknowledged", "coordinator")
    html = text(coordinator.get("/"))
    assert f"Lead {lead.id}: call-back recorded." in html
    assert f'data-lead="{lead.id}"' not in html

    again = coordinator.post(f"/leads/{lead.id}/ack", follow_redirects=True)
    assert f"Lead {lead.id} has no open page to acknowledge." in text(again)


def test_ack_of_an_unknown_lead_is_404(coordinator, office):
    assert coordinator.post("/leads/9999/ack").status_code == 404
    assert coordinator.get("/leads/9999").status_code == 404


def test_lead_page_shows_the_timeline(coordinator):
    coordinator.post("/leads", data=CALL)
    lead = db.session.scalar(select(Lead))
    coordinator.post(f"/leads/{lead.id}/ack")

    response = coordinator.get(f"/leads/{lead.id}")

    assert response.status_code == 200
    html = text(response)
    timeline = html[html.index("<h2>Timeline</h2>") :]
    kinds = re.findall(r"<strong>(\w+)</strong>", timeline)
    assert kinds == ["Logged", "Routed", "Acknowledged"]
    assert "Alice Chen</strong>: Next in rotation: Alice Chen" in html
    assert "rule: Office rotation" in html
    assert "Alice Chen acknowledged (the coordinator recorded the call-back)" in html
    assert "Zebulon Quill" in html and "+12025550188" in html


def test_manager_adds_a_salesperson(manager):
    response = manager.post(
        "/manager/salespeople",
        data={"name": "Hana Kim", "mobile": "(202) 555-0120", "skills": "Rental", "active": "y"},
    )

    assert response.status_code == 302
    hana = person("Hana Kim")
    assert hana.mobile == "+12025550120"
    assert hana.skills == "rental" and hana.active and hana.rotation_position == 8
    html = text(manager.get("/manager/salespeople"))
    assert "Hana Kim added at the end of the rotation." in html
    assert "<td>Hana Kim</td>" in html and "<td>+12025550120</td>" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Hana Kim", "mobile": "555"}, "phone number"),
        ({"name": "Hana Kim", "mobile": "202-555-0101"}, "already belongs to Alice Chen"),
        ({"name": "", "mobile": "2025550120"}, "This field is required."),
        ({"name": "Hana Kim", "mobile": "2025550120", "skills": "juggling"}, "Unknown skill"),
    ],
)
def test_manager_bad_salesperson_is_not_added(manager, data, message):
    response = manager.post("/manager/salespeople", data=data)
    assert response.status_code == 400
    assert message in text(response)
    assert count(Salesperson) == 7


def test_deactivated_salesperson_is_never_paged_by_rotation(manager):
    alice = person("Alice Chen")
    edit = manager.get(f"/manager/salespeople/{alice.id}")
    assert edit.status_code == 200 and 'value="+12025550101"' in text(edit)

    # The box left unticked: a browser sends no "active" field at all.
    response = manager.post(
        f"/manager/salespeople/{alice.id}",
        data={"name": "Alice Chen", "mobile": "+12025550101", "skills": "listing,seller"},
    )

    assert response.status_code == 302
    db.session.refresh(alice)
    assert alice.active is False
    assert "<td>Alice Chen <small>(inactive)</small>" in text(manager.get("/manager/salespeople"))
    for _ in range(8):  # more than a full turn of the six still active
        assert manager.post("/leads", data=CALL).status_code == 302
    paged = set(db.session.scalars(select(Page.salesperson_id)))
    assert alice.id not in paged and len(paged) == 6


def test_manager_edits_a_salesperson(manager):
    bruno = person("Bruno Diaz")
    response = manager.post(
        f"/manager/salespeople/{bruno.id}",
        data={"name": "Bruno Díaz", "mobile": "202 555 0130", "skills": "seller", "active": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(bruno)
    assert (bruno.name, bruno.mobile, bruno.skills, bruno.active) == (
        "Bruno Díaz",
        "+12025550130",
        "seller",
        True,
    )


def test_edit_refuses_another_salespersons_mobile(manager):
    bruno = person("Bruno Diaz")
    response = manager.post(
        f"/manager/salespeople/{bruno.id}",
        data={"name": "Bruno Diaz", "mobile": "+12025550101", "active": "y"},
    )
    assert response.status_code == 400
    assert "already belongs to Alice Chen" in text(response)
    db.session.refresh(bruno)
    assert bruno.mobile == "+12025550102"


def test_edit_of_an_unknown_salesperson_is_404(manager):
    assert manager.get("/manager/salespeople/9999").status_code == 404


def test_coordinator_may_not_manage_salespeople(coordinator):
    assert coordinator.get("/manager/salespeople").status_code == 403
    response = coordinator.post(
        "/manager/salespeople", data={"name": "Hana Kim", "mobile": "2025550120"}
    )
    assert response.status_code == 403
    assert count(Salesperson) == 7


def test_salesperson_may_not_use_the_console(client, office):
    sign_in(client, "alice")
    assert client.get("/").headers["Location"] == "/me"  # her way in is her own page
    assert client.get("/board").status_code == 403
    assert client.post("/leads", data=CALL).status_code == 403
    assert client.get("/manager/salespeople").status_code == 403
    assert count(Lead) == 0


def test_the_caller_is_looked_up_as_the_number_is_typed(coordinator, office, clock):
    def look_up(phone: str) -> dict:
        return coordinator.post("/callers/lookup", json={"phone": phone}).json

    assert look_up("202555") == {"known": False, "complete": False}
    assert look_up("202-555-0171")["previous_leads"] == 0
    acknowledged(new_lead(office, caller_phone="202-555-0171", listing="L-1002"))
    db.session.commit()
    clock(T0 + timedelta(days=20))
    found = look_up("(202) 555 0171")
    assert found["known"] and found["owner"] == "Bruno Diaz"
    assert found["previous_leads"] == 1
    # Acknowledged at T0 (10:00 in New York); valid through day 20 on the office's
    # calendar (O6), to its last minute, and lapsed on day 21.
    assert found["last_contact"] == "Mon 23 Nov 2026"
    assert found["ownership_valid"] is True
    clock(T0 + timedelta(days=20, hours=13, minutes=59))
    assert look_up("(202) 555 0171")["ownership_valid"] is True
    clock(T0 + timedelta(days=20, hours=14))
    assert look_up("(202) 555 0171")["ownership_valid"] is False
