"""Item 2 and 3: the bridged call-back and the verified contact, through the real twilio
client against the local Calls API stub. The salesperson taps *Call the client*; the
office rings them, they press 1, the office dials the client showing its own number; an
answered call of CLIENT_REACHED_MIN_SECONDS records the client reached, once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import PlacedCall, Salesperson
from tests.app_setup import sign_in
from tests.calls_helpers import (
    CLIENT,
    acknowledged_lead,
    deliver_to,
    lead,
    placed_calls,
    reached_events,
)
from tests.factories import paged_lead
from tests.webhook_helpers import ALICE, OFFICE, call_params, post_signed

pytestmark = pytest.mark.twilio


@pytest.fixture
def alice(app, office, twilio_stub):
    deliver_to(app, twilio_stub)
    return sign_in(app.test_client(), "alice")


def call_the_client(alice, lead_id: int):
    response = alice.post(f"/me/leads/{lead_id}/call")
    assert response.status_code == 303
    return response


def client_dialled(alice, twilio_stub, lead_id: int) -> str:
    """Call the client: the salesperson answers the office's call and presses 1; the
    call's sid."""
    call_the_client(alice, lead_id)
    sid = twilio_stub.calls[-1].sid
    twilio_stub.answer_call(sid)
    twilio_stub.press(sid, "1")
    return sid


def dial_of(twiml: str) -> ElementTree.Element:
    return ElementTree.fromstring(twiml).find("Dial")


def test_the_office_calls_the_salesperson_then_the_client_showing_its_number(
    alice, office, twilio_stub
):
    paged = acknowledged_lead(office)

    call_the_client(alice, paged.lead)

    [placed] = twilio_stub.calls
    assert placed.to == ALICE and placed.from_ == OFFICE  # the office rings the salesperson
    assert "Press 1" in placed.twiml and CLIENT not in placed.twiml
    assert placed.status_callback == "http://localhost/twilio/calls/status"
    sid = placed.sid
    assert [c.call_sid for c in placed_calls()] == [sid]

    twilio_stub.answer_call(sid)
    assert placed_calls()[0].call_status == "in-progress"
    dial = dial_of(twilio_stub.press(sid, "1"))
    # The client sees the number they called, never the salesperson's own.
    assert dial.get("callerId") == OFFICE
    assert dial.find("Number").text == CLIENT
    assert lead(paged.lead).client_reached_at is None  # dialled is not reached

    twilio_stub.dial_result(sid, "completed", 95)

    reached = lead(paged.lead)
    assert reached.client_reached_at is not None and reached.reached_by_call_sid == sid
    [event] = reached_events(paged.lead)
    assert (
        "Alice Chen" in event.detail and "95 s" in event.detail and "after the page" in event.detail
    )
    assert all(c.status in (200, 204) for c in twilio_stub.callbacks)


def test_a_repeated_dial_result_acts_once(alice, office, twilio_stub):
    paged = acknowledged_lead(office)
    sid = client_dialled(alice, twilio_stub, paged.lead)
    twilio_stub.dial_result(sid, "completed", 40)
    first = lead(paged.lead).client_reached_at

    twilio_stub.repeat_last(sid)
    twilio_stub.repeat_last(sid)

    assert lead(paged.lead).client_reached_at == first
    assert len(reached_events(paged.lead)) == 1
    assert [c.dial_seconds for c in placed_calls()] == [40]


def test_a_call_shorter_than_the_minimum_is_not_a_contact(alice, office, twilio_stub):
    paged = acknowledged_lead(office)
    sid = client_dialled(alice, twilio_stub, paged.lead)

    twilio_stub.dial_result(sid, "completed", 19)  # a voicemail greeting, a hang-up

    assert lead(paged.lead).client_reached_at is None
    assert placed_calls()[0].dial_status == "completed"

    # A second call-back that lasts: the client is reached.
    again = client_dialled(alice, twilio_stub, paged.lead)
    twilio_stub.dial_result(again, "completed", 20)
    assert lead(paged.lead).reached_by_call_sid == again


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
def test_a_client_who_does_not_answer_is_not_reached(alice, office, twilio_stub, status):
    paged = acknowledged_lead(office)
    sid = client_dialled(alice, twilio_stub, paged.lead)

    answer = twilio_stub.dial_result(sid, status)

    assert "did not answer" in answer
    assert lead(paged.lead).client_reached_at is None


def test_no_key_or_another_key_dials_nobody(alice, office, twilio_stub):
    paged = acknowledged_lead(office)
    call_the_client(alice, paged.lead)
    sid = twilio_stub.calls[0].sid
    twilio_stub.answer_call(sid)

    answer = twilio_stub.press(sid, "2")

    assert "<Dial" not in answer and "<Hangup" in answer


def test_a_dial_result_not_signed_by_twilio_is_refused(alice, office, twilio_stub, app):
    paged = acknowledged_lead(office)
    call_the_client(alice, paged.lead)
    sid = twilio_stub.calls[0].sid
    [call] = placed_calls()
    params = {
        **call_params(ALICE, sid=sid),
        "DialCallStatus": "completed",
        "DialCallDuration": "300",
    }
    forged = post_signed(
        app.test_client(), f"/twilio/calls/{call.id}/dialled", params, token="f" * 32
    )

    assert forged.status_code == 403
    assert lead(paged.lead).client_reached_at is None


def test_a_dial_result_for_another_call_sid_changes_nothing(alice, office, twilio_stub, app):
    paged = acknowledged_lead(office)
    call_the_client(alice, paged.lead)
    [call] = placed_calls()
    params = {
        **call_params(ALICE),  # a signed request, but of another call
        "DialCallStatus": "completed",
        "DialCallDuration": "300",
    }

    response = post_signed(app.test_client(), f"/twilio/calls/{call.id}/dialled", params)

    assert response.status_code == 200
    assert lead(paged.lead).client_reached_at is None and placed_calls()[0].dial_status is None


def test_only_the_salesperson_who_took_the_lead_may_call_the_client(alice, office, twilio_stub):
    paged = paged_lead(office)  # paged to Alice, not acknowledged: no details yet (C4)

    response = alice.post(f"/me/leads/{paged.lead}/call")

    assert response.status_code == 403
    assert twilio_stub.calls == [] and placed_calls() == []


def test_a_lead_without_a_number_cannot_be_called(alice, office, twilio_stub):
    paged = acknowledged_lead(office)
    lead(paged.lead).caller_phone = ""  # blanked since (CALL_RECORD_RETENTION_DAYS)
    db.session.commit()

    page = alice.post(f"/me/leads/{paged.lead}/call", follow_redirects=True)

    assert "no number to dial" in page.get_data(as_text=True)
    assert twilio_stub.calls == [] and placed_calls() == []


def test_a_call_the_calls_api_refuses_is_said_and_kept(alice, office, twilio_stub):
    paged = acknowledged_lead(office)
    twilio_stub.fail_call_next(503)

    page = alice.post(f"/me/leads/{paged.lead}/call", follow_redirects=True)

    assert "could not call you" in page.get_data(as_text=True)
    [call] = placed_calls()
    assert call.call_sid is None and "503" in call.error


def test_the_page_shows_the_button_and_whether_the_client_was_reached(alice, office, twilio_stub):
    paged = acknowledged_lead(office)
    page = alice.get("/me").get_data(as_text=True)
    assert "Call the client" in page and "not yet" in page

    sid = client_dialled(alice, twilio_stub, paged.lead)
    twilio_stub.dial_result(sid, "completed", 30)

    page = alice.get("/me").get_data(as_text=True)
    assert "a call through the office" in page


# -- the salesperson calls the office and presses 1 -------------------------------------


def test_a_salesperson_calling_the_office_presses_1_for_the_client(app, office, clock):
    paged = acknowledged_lead(office)
    webhooks = app.test_client()
    sid = call_params(ALICE)["CallSid"]

    heard = post_signed(webhooks, "/twilio/voice", call_params(ALICE, sid=sid))
    gather = ElementTree.fromstring(heard.get_data(as_text=True)).find("Gather")
    assert gather.get("action") == f"/twilio/voice/connect/{paged.lead}"

    keys = {**call_params(ALICE, sid=sid), "Digits": "1"}
    dialled = post_signed(webhooks, f"/twilio/voice/connect/{paged.lead}", keys)
    dial = dial_of(dialled.get_data(as_text=True))
    assert dial.get("callerId") == OFFICE and dial.find("Number").text == CLIENT

    [call] = placed_calls()
    assert (call.call_sid, call.kind) == (sid, "callback")
    # Twilio's retry of the keys dials through the same placed call.
    post_signed(webhooks, f"/twilio/voice/connect/{paged.lead}", keys)
    assert len(placed_calls()) == 1

    result = {
        **call_params(ALICE, sid=sid),
        "DialCallStatus": "completed",
        "DialCallDuration": "61",
    }
    post_signed(webhooks, dial.get("action").removeprefix("http://localhost"), result)
    assert lead(paged.lead).reached_by_call_sid == sid


def test_1_before_the_pin_dials_nobody(app, office, clock):
    """At the PIN prompt the caller is not settled: a key for the client dials nobody."""
    paged = acknowledged_lead(office)
    alice = db.session.scalar(select(Salesperson).where(Salesperson.mobile == ALICE))
    alice.set_voice_pin("2468")
    db.session.commit()
    webhooks = app.test_client()
    sid = call_params(ALICE)["CallSid"]
    post_signed(webhooks, "/twilio/voice", call_params(ALICE, sid=sid, attested=False))

    keys = {**call_params(ALICE, sid=sid, attested=False), "Digits": "1"}
    answer = post_signed(webhooks, f"/twilio/voice/connect/{paged.lead}", keys)

    assert "<Dial" not in answer.get_data(as_text=True) and placed_calls() == []


def test_a_stranger_pressing_1_dials_nobody(app, office, clock):
    paged = acknowledged_lead(office)
    webhooks = app.test_client()
    params = {**call_params("+12025550177"), "Digits": "1"}

    answer = post_signed(webhooks, f"/twilio/voice/connect/{paged.lead}", params)

    assert "<Dial" not in answer.get_data(as_text=True)
    assert db.session.query(PlacedCall).count() == 0


@pytest.mark.commits
def test_the_same_dial_result_delivered_at_once_acts_once(app, office):
    """Twilio's deliveries racing from several threads: one result, one contact."""
    paged = acknowledged_lead(office)
    sid = call_params(ALICE)["CallSid"]
    call = PlacedCall(
        office_id=office.id,
        lead_id=paged.lead,
        salesperson_id=db.session.scalar(select(Salesperson.id).where(Salesperson.mobile == ALICE)),
        kind="callback",
        call_sid=sid,
        created_at=lead(paged.lead).created_at,
    )
    db.session.add(call)
    db.session.flush()
    call_id = call.id
    db.session.commit()  # nothing read after it: no transaction left open in this thread
    params = {
        **call_params(ALICE, sid=sid),
        "DialCallStatus": "completed",
        "DialCallDuration": "90",
    }
    start = threading.Barrier(6)

    def deliver() -> int:
        client = app.test_client()
        start.wait(5)
        return post_signed(client, f"/twilio/calls/{call_id}/dialled", params).status_code

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: deliver(), range(6)))

    assert answers == [200] * 6
    assert len(reached_events(paged.lead)) == 1
    assert lead(paged.lead).reached_by_call_sid == sid
