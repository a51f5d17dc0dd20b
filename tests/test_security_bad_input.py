"""Issue #13, item 9: input that gave a 500 gets a clear 4xx or a polite SMS, and control
characters are refused (forms, API, CSV) or removed (an SMS) wherever text comes in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import InboundMessage, Lead, Office, Salesperson
from dispatcher.pages.replies import DONE_HELP
from dispatcher.text import ascii_whole_number, forbidden_character
from tests.app_setup import sign_in
from tests.factories import paged_lead
from tests.webhook_helpers import count, reply_text, state, text_sms

TOKEN = "t" * 40
CALL = {"caller_phone": "202-555-0188", "kind": "buyer", "caller_name": "Mrs Example"}


pytestmark = [pytest.mark.twilio, pytest.mark.settings(API_TOKEN=TOKEN)]


def bearer(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}


# -- Unicode digits: ASCII only, never int() on them ------------------------------------


@pytest.mark.parametrize("body", ["OK ²", "²", "#²", "NO ³", "OK ١٢"])
def test_an_sms_with_unicode_digits_is_not_understood_politely(client, office, body):
    paged = paged_lead(office)

    response = text_sms(client, body)

    assert response.status_code == 200
    assert "Sorry, not understood" in reply_text(response)
    assert state(paged) == ("open", "open")


def test_done_with_a_unicode_digit_explains_how_to_report(client, office):
    paged = paged_lead(office)

    response = text_sms(client, "DONE ¹ appt")

    assert response.status_code == 200 and reply_text(response) == DONE_HELP
    assert db.session.get(Lead, paged.lead).outcome is None


@pytest.mark.parametrize(
    "path", ["/manager/dashboard", "/manager/dashboard.json", "/manager/dashboard.csv"]
)
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("salesperson=²", "salesperson"),
        ("salesperson=١", "salesperson"),
        ("from=9999-12-31&to=9999-12-31", "from"),
        ("to=9999-12-31", "to"),
        ("from=0001-01-01", "from"),
    ],
)
def test_the_dashboard_names_the_bad_field(client, office, path, query, field):
    sign_in(client, "manager")
    response = client.get(f"{path}?table=summary&{query}")

    assert response.status_code == 400
    assert field in response.get_data(as_text=True)


@pytest.mark.parametrize("days", ["²", "٣٠", "1" * 20])
def test_office_rules_with_unicode_digits_are_refused_with_a_message(client, office, days):
    sign_in(client, "manager")
    response = client.post(
        "/manager/office", data={"ownership_lapse_days": days, "target_area": "10001"}
    )

    assert response.status_code == 400
    assert "A whole number of days." in response.get_data(as_text=True)
    assert db.session.get(Office, office.id).target_area == ""


@pytest.mark.parametrize("token", ["été", "\u00e9" * 40, TOKEN + "\u00ff"])
def test_a_bearer_token_outside_ascii_is_a_401(client, office, token):
    response = client.get("/api/salespeople", headers=bearer(token))

    assert response.status_code == 401
    assert response.json["error"] == "The bearer token is not valid."


# -- control characters -----------------------------------------------------------------

CONTROL = ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\ufffe"]


# str.strip() takes these for blanks, so an optional field holding nothing else was once
# skipped as empty and kept as typed (found by the TwiML hypothesis test).
@pytest.mark.parametrize("value", ["\x1c", "\x1f\x1e", "\x85", " \x0b "])
@pytest.mark.parametrize("field", ["caller_name", "source", "area"])
def test_an_optional_field_of_nothing_but_control_characters_is_refused(
    client, office, field, value
):
    response = client.post("/api/leads", json={**CALL, field: value}, headers=bearer())

    assert response.status_code == 422
    assert "control character" in response.json["errors"][field]
    assert count(Lead) == 0


@pytest.mark.parametrize("character", CONTROL + ["\ud800"])
@pytest.mark.parametrize("field", ["caller_name", "source", "listing", "notes", "area"])
def test_the_api_refuses_control_characters_in_a_lead(client, office, field, character):
    response = client.post("/api/leads", json={**CALL, field: f"a{character}b"}, headers=bearer())

    assert response.status_code == 422
    assert "control character" in response.json["errors"][field]
    assert count(Lead) == 0


def test_a_note_may_hold_lines_and_tabs(client, office):
    response = client.post(
        "/api/leads", json={**CALL, "notes": "line one\r\n\tline two"}, headers=bearer()
    )

    assert response.status_code == 201


@pytest.mark.parametrize("field", ["caller_name", "source"])
def test_the_console_refuses_a_line_break_or_control_character(client, office, field):
    sign_in(client, "coordinator")
    for value in ("Mrs\nExample", "Mrs\x00Example"):
        response = client.post("/leads", data={**CALL, field: value})

        assert response.status_code == 400
        assert "Remove the control character" in response.get_data(as_text=True)
    assert count(Lead) == 0


def test_salesperson_names_with_control_characters_are_refused_everywhere(
    app, client, office, tmp_path
):
    people = count(Salesperson)
    sign_in(client, "manager")  # adding a salesperson is the manager's, not a token's
    api = client.post("/api/salespeople", json={"name": "Eve\x1bl", "mobile": "2025550120"})
    assert api.status_code == 422 and "control character" in api.json["errors"]["name"]

    form = client.post("/manager/salespeople", data={"name": "Eve\x00", "mobile": "2025550121"})
    assert form.status_code == 400 and "Remove the control character" in form.get_data(True)

    csv_file = tmp_path / "team.csv"
    csv_file.write_text("name,mobile,skills\nEve\x07,2025550122,\n")
    result = app.test_cli_runner().invoke(args=["import-salespeople", str(csv_file)])
    assert result.exit_code != 0 and "control character" in result.output
    assert count(Salesperson) == people


def test_office_rules_refuse_a_control_character_in_the_target_area(client, office):
    sign_in(client, "manager")
    response = client.post(
        "/manager/office", data={"ownership_lapse_days": "20", "target_area": "10001\x00"}
    )

    assert response.status_code == 400
    assert "Remove the control character" in response.get_data(as_text=True)
    assert db.session.get(Office, office.id).target_area == ""


def test_control_characters_in_an_sms_are_removed_before_it_is_read(client, office):
    paged = paged_lead(office)

    response = text_sms(client, "O\x00K\x07")

    assert "is yours" in reply_text(response)
    assert state(paged)[0] == "acknowledged"
    assert db.session.scalar(select(InboundMessage.outcome)) == "acknowledged"


# -- the shared helpers ------------------------------------------------------------------


def test_whole_numbers_are_read_in_ascii_digits_only():
    assert ascii_whole_number("12") == 12 and ascii_whole_number(" 7 ") == 7
    for text in ("²", "١٢", "1²", "", "-1", "1e3", "１２", "1234567890"):
        assert ascii_whole_number(text) is None


# The bidirectional embeddings, overrides and isolates: "Mr \u202eevil" shows reversed.
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("character", BIDI)
def test_the_api_refuses_bidirectional_overrides_in_a_lead(client, office, character):
    for field in ("caller_name", "notes"):
        response = client.post(
            "/api/leads", json={**CALL, field: f"Mr {character}evil"}, headers=bearer()
        )

        assert response.status_code == 422
        assert f"U+{ord(character):04X}" in response.json["errors"][field]
    assert count(Lead) == 0


def test_the_console_refuses_a_right_to_left_override_in_the_callers_name(client, office):
    sign_in(client, "coordinator")

    response = client.post("/leads", data={**CALL, "caller_name": "Mr \u202eevil"})

    assert response.status_code == 400
    assert "Remove the control character U+202E" in response.get_data(as_text=True)
    assert count(Lead) == 0


def test_a_follow_up_note_refuses_a_bidirectional_isolate(client, office):
    from tests.client_records import received

    hers = received(office, by="Alice Chen")
    db.session.commit()
    sign_in(client, "alice")

    response = client.post(
        f"/me/clients/{hers.id}/follow-up",
        data={"way": "call", "note": "rang \u2067back"},
        follow_redirects=True,
    )

    assert "Nothing recorded: Remove the control character U+2067" in response.get_data(
        as_text=True
    )


def test_right_to_left_marks_stay_allowed():
    """U+200E and U+200F reorder nothing beyond their neighbours; names may need them."""
    assert forbidden_character("\u05e9\u05dc\u05d5\u05dd\u200f 12") is None
    assert forbidden_character("a\u200eb") is None


def test_forbidden_characters():
    assert forbidden_character("Zoë O'Brien & Sons <3 😀") is None
    assert forbidden_character("a\nb") == "\n"
    assert forbidden_character("a\nb", multiline=True) is None
    assert forbidden_character("a\ud83db") == "\ud83d"  # a lone surrogate
