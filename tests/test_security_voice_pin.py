"""Issue #13, item 12: caller ID can be spoofed, so a salesperson calling the office keys
in their PIN before a client's details are read, unless the carrier fully attested the
number (StirVerstat TN-Validation-Passed-A). The PIN is set on their page, kept hashed."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import InboundCall, LeadEvent
from tests.app_setup import sign_in
from tests.factories import T0, paged_lead, person
from tests.webhook_helpers import (
    ALICE,
    BRUNO,
    COORDINATOR,
    call_params,
    count,
    dialled,
    key_in,
    post_signed,
    ring,
    said,
    state,
)

PIN = "2580"


pytestmark = [
    pytest.mark.twilio,
    pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR),
    pytest.mark.usefixtures("clock"),  # office hours: Monday 10:00
]


@pytest.fixture
def alice_with_pin(office):
    alice = person("Alice Chen")
    alice.set_voice_pin(PIN)
    db.session.commit()
    return alice


def unattested(client, sender=ALICE, **extra):
    """A call whose caller ID the carrier did not vouch for: anyone could have sent it."""
    params = call_params(sender, attested=False, **extra)
    return params["CallSid"], ring(client, sender, sid=params["CallSid"], attested=False, **extra)


def gather(response) -> ElementTree.Element | None:
    return ElementTree.fromstring(response.get_data(as_text=True)).find("Gather")


def details_read() -> int:
    return len(
        db.session.scalars(select(LeadEvent).where(LeadEvent.kind == "details_by_call")).all()
    )


def outcome(call_sid: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(InboundCall.outcome).where(InboundCall.call_sid == call_sid))


def test_an_unattested_call_asks_for_the_pin_and_reads_nothing(client, office, alice_with_pin):
    paged = paged_lead(office)

    call_sid, response = unattested(client)

    asked = gather(response)
    assert asked is not None and asked.get("action") == "/twilio/voice/pin"
    assert asked.get("finishOnKey") == "#"
    assert "enter your PIN" in " ".join(asked.itertext())
    text = response.get_data(as_text=True)
    assert "Alice" not in text and "Mrs Example" not in text and "0188" not in text
    assert dialled(response) is None
    assert state(paged) == ("open", "open") and outcome(call_sid) == "pin_asked"


def test_the_right_pin_reads_the_details_and_acknowledges(client, office, alice_with_pin):
    paged = paged_lead(office, listing="L-1001")
    call_sid, _ = unattested(client)

    response = key_in(client, call_sid, PIN)

    assert "Hello Alice Chen." in said(response)
    assert "The client is Mrs Example." in said(response)
    assert dialled(response) == COORDINATOR
    assert state(paged) == ("acknowledged", "acknowledged")
    assert outcome(call_sid) == "salesperson_details" and details_read() == 1


def test_a_wrong_pin_gets_one_retry_then_goodbye_with_nothing_read(client, office, alice_with_pin):
    paged = paged_lead(office)
    call_sid, _ = unattested(client)

    retry = key_in(client, call_sid, "1357")
    assert gather(retry) is not None and "not right" in " ".join(gather(retry).itertext())
    assert outcome(call_sid) == "pin_retry"

    goodbye = key_in(client, call_sid, "9999")
    assert said(goodbye) == "That PIN is not right. Goodbye."
    assert gather(goodbye) is None and dialled(goodbye) is None
    assert outcome(call_sid) == "pin_refused"

    # The right PIN after the goodbye, on the same call, changes nothing.
    late = key_in(client, call_sid, PIN)
    assert late.get_data() == goodbye.get_data()
    assert state(paged) == ("open", "open") and details_read() == 0


def test_a_wrong_pin_then_the_right_one_reads_the_details(client, office, alice_with_pin):
    paged = paged_lead(office)
    call_sid, _ = unattested(client)

    key_in(client, call_sid, "0000")
    response = key_in(client, call_sid, PIN)

    assert "The client is Mrs Example." in said(response)
    assert state(paged)[0] == "acknowledged"


def test_the_same_keys_delivered_twice_acknowledge_once(client, office, alice_with_pin):
    paged_lead(office)
    call_sid, _ = unattested(client)

    first = key_in(client, call_sid, PIN)
    again = key_in(client, call_sid, PIN)

    assert again.get_data() == first.get_data() and details_read() == 1


def test_after_the_pin_a_replay_of_the_call_or_of_other_keys_reads_nothing(
    client, office, alice_with_pin
):
    paged_lead(office)
    params = call_params(ALICE, attested=False)
    post_signed(client, "/twilio/voice", params)
    assert "Mrs Example" in said(key_in(client, params["CallSid"], PIN))

    call_again = post_signed(client, "/twilio/voice", params)
    other_keys = key_in(client, params["CallSid"], "1357")

    assert gather(call_again) is not None and "Mrs Example" not in said(call_again)
    assert said(other_keys) == "Goodbye." and details_read() == 1


def test_the_pin_is_checked_for_the_caller_the_call_remembered(client, office, alice_with_pin):
    """Keys posted with another From (a salesperson's whose PIN the attacker knows) are
    still checked against Alice's PIN: the call's identity is the remembered CallSid."""
    bruno = person("Bruno Diaz")
    bruno.set_voice_pin("4826")
    db.session.commit()
    paged = paged_lead(office, asked_for_id=alice_with_pin.id)
    call_sid, _ = unattested(client)

    params = call_params(BRUNO, sid=call_sid, attested=False, Digits="4826")
    response = post_signed(client, "/twilio/voice/pin", params)

    assert "Mrs Example" not in response.get_data(as_text=True)
    assert state(paged)[0] == "open"


def test_keys_for_a_call_that_asked_for_no_pin_change_nothing(client, office, alice_with_pin):
    paged = paged_lead(office)

    response = key_in(client, call_params(ALICE)["CallSid"], PIN)

    assert said(response) == "Goodbye." and state(paged)[0] == "open"
    assert count(InboundCall) == 0


@pytest.mark.parametrize("digits", ["", "25", "258", "٢٥٨٠", "2580#", "123456789"])
def test_keys_that_are_no_pin_count_as_a_wrong_one(client, office, alice_with_pin, digits):
    call_sid, _ = unattested(client)

    assert gather(key_in(client, call_sid, digits)) is not None
    assert outcome(call_sid) == "pin_retry"


def test_without_a_pin_they_are_told_to_set_one_and_hear_no_details(client, office):
    paged = paged_lead(office)

    call_sid, response = unattested(client)

    assert "set your PIN on your page" in said(response)
    assert "Mrs Example" not in said(response) and gather(response) is None
    assert dialled(response) == COORDINATOR  # the coordinator knows their voice
    assert state(paged) == ("open", "open") and outcome(call_sid) == "salesperson_no_pin"


@pytest.mark.parametrize(
    "verstat", ["TN-Validation-Passed-B", "TN-Validation-Passed-C", "TN-Validation-Failed-A", ""]
)
def test_only_full_attestation_skips_the_pin(client, office, alice_with_pin, verstat):
    paged_lead(office)

    _, response = unattested(client, StirVerstat=verstat)

    assert gather(response) is not None and "Mrs Example" not in said(response)


def test_full_attestation_reads_the_details_without_a_pin(client, office):
    paged = paged_lead(office)

    response = ring(client, sender=ALICE)  # StirVerstat=TN-Validation-Passed-A

    assert "The client is Mrs Example." in said(response)
    assert state(paged)[0] == "acknowledged"


@pytest.mark.parametrize("settings", [{"VOICE_PIN_REQUIRED": False}], indirect=True)
def test_an_office_may_turn_the_pin_off(client, office):
    paged = paged_lead(office)

    _, response = unattested(client)

    assert "The client is Mrs Example." in said(response)
    assert state(paged)[0] == "acknowledged"


def test_after_three_refused_calls_in_a_day_no_pin_is_asked(client, office, alice_with_pin):
    paged_lead(office)
    for _ in range(3):
        call_sid, _ = unattested(client)
        key_in(client, call_sid, "1111")
        key_in(client, call_sid, "2222")

    call_sid, response = unattested(client)

    assert gather(response) is None and "Too many wrong PINs" in said(response)
    assert outcome(call_sid) == "salesperson_pin_locked" and details_read() == 0


def test_the_lock_lapses_after_a_day(client, office, alice_with_pin, monkeypatch):
    for _ in range(3):
        call_sid, _ = unattested(client)
        key_in(client, call_sid, "1111")
        key_in(client, call_sid, "2222")
    monkeypatch.setattr("callbacks.voice.utcnow", lambda: T0 + timedelta(days=1, seconds=1))

    _, response = unattested(client)

    assert gather(response) is not None


# -- the salesperson's page ---------------------------------------------------------------


def test_a_salesperson_sets_their_pin_on_their_page_and_only_a_hash_is_kept(client, office):
    sign_in(client, "alice")
    assert "No PIN yet" in client.get("/me").get_data(as_text=True)

    response = client.post("/me/voice-pin", data={"pin": PIN, "confirm": PIN})

    assert response.status_code == 303
    alice = person("Alice Chen")
    db.session.refresh(alice)
    assert alice.voice_pin_hash and PIN not in alice.voice_pin_hash
    assert alice.check_voice_pin(PIN) and not alice.check_voice_pin("2581")
    assert "Your PIN is set" in client.get("/me").get_data(as_text=True)


@pytest.mark.parametrize(
    ("pin", "confirm", "message"),
    [
        ("123", "123", "4 to 8 digits"),
        ("123456789", "123456789", "4 to 8 digits"),
        ("12a4", "12a4", "4 to 8 digits"),
        ("²²²²", "²²²²", "4 to 8 digits"),
        ("2580\n", "2580\n", "4 to 8 digits"),
        ("1111", "1111", "Too easy"),
        ("3456", "3456", "Too easy"),
        ("9876", "9876", "Too easy"),
        ("2580", "2581", "differ"),
    ],
)
def test_a_bad_pin_is_refused_with_a_message(client, office, pin, confirm, message):
    sign_in(client, "alice")

    response = client.post(
        "/me/voice-pin", data={"pin": pin, "confirm": confirm}, follow_redirects=True
    )

    assert message in response.get_data(as_text=True)
    assert person("Alice Chen").voice_pin_hash is None


def test_setting_the_pin_needs_the_forms_csrf_token(app, client, office):
    sign_in(client, "alice")
    app.config["WTF_CSRF_ENABLED"] = True

    refused = client.post("/me/voice-pin", data={"pin": PIN, "confirm": PIN})
    assert refused.status_code == 400 and person("Alice Chen").voice_pin_hash is None
    page = client.get("/me").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post("/me/voice-pin", data={"pin": PIN, "confirm": PIN, "csrf_token": token})

    assert accepted.status_code == 303
    db.session.expire_all()
    assert person("Alice Chen").check_voice_pin(PIN)


def test_only_a_salesperson_sets_a_pin(client, office):
    sign_in(client, "coordinator")

    assert client.post("/me/voice-pin", data={"pin": PIN, "confirm": PIN}).status_code == 403


# -- the development phone ------------------------------------------------------------------


@pytest.mark.parametrize("settings", [{"outbox": True}], indirect=True)
def test_the_development_phone_calls_from_the_salespersons_own_phone_attested(client, office):
    paged = paged_lead(office)
    sign_in(client, "coordinator")
    alice = person("Alice Chen")

    own = client.post(f"/dev/phone/{alice.id}/call", follow_redirects=True)
    assert "The client is Mrs Example." in own.get_data(as_text=True)
    assert state(paged)[0] == "acknowledged"

    # Her number typed as a caller's is what a spoofed call looks like: the PIN prompt.
    alice.set_voice_pin(PIN)
    db.session.commit()
    typed = client.post("/dev/phone/call", data={"from_number": ALICE}, follow_redirects=True)
    assert "The office asks: “Hello. Please enter your PIN" in typed.get_data(as_text=True)
