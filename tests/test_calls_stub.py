"""The Calls API of the local Twilio stub, driven by the real twilio client: a call is
created, redirected and read back; the test plays the network (answer, keys, the
<Dial>'s result, the hang-up) and each webhook arrives signed as Twilio signs it."""

from __future__ import annotations

import pytest
from flask import Flask, request
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from testkit.twilio_stub import AUTH_TOKEN, StubControl
from tests.calls_helpers import deliver_to

OFFICE = "+12025550100"
SALESPERSON = "+12025550101"


@pytest.fixture
def twilio(twilio_stub) -> Client:
    client = Client(twilio_stub.account_sid, twilio_stub.auth_token)
    client.api.base_url = twilio_stub.base_url
    return client


@pytest.fixture
def webhooks(twilio_stub):
    """A tiny app behind the stub's ``deliver``: records each signed webhook, checks its
    signature, and answers TwiML chosen by path."""
    app = Flask(__name__)
    seen: list[tuple[str, dict, bool]] = []
    answers = {
        "/start": '<Response><Gather action="http://localhost/keys" numDigits="1">'
        "<Say>Press 1</Say></Gather></Response>",
        "/keys": '<Response><Dial action="http://localhost/dialled" callerId="+12025550100">'
        "<Number>+12025550188</Number></Dial></Response>",
        "/dialled": "<Response><Hangup/></Response>",
        "/status": "",
    }

    @app.post("/<path:name>")
    def hook(name):
        valid = RequestValidator(AUTH_TOKEN).validate(
            request.url, request.form, request.headers.get("X-Twilio-Signature", "")
        )
        seen.append((request.path, dict(request.form), valid))
        return answers[request.path], 200, {"Content-Type": "text/xml"}

    deliver_to(app, twilio_stub)
    return seen


def test_a_call_is_created_answered_and_its_dial_reported(twilio, twilio_stub, webhooks):
    call = twilio.calls.create(
        to=SALESPERSON,
        from_=OFFICE,
        url="http://localhost/start",
        status_callback="http://localhost/status",
        status_callback_event=["answered", "completed"],
    )
    assert call.sid.startswith("CA") and call.status == "queued"
    [created] = twilio_stub.calls
    assert created.form["StatusCallbackEvent"] == "answered completed"

    twilio_stub.ring(call.sid)  # not asked for: nothing posted
    assert "<Gather" in twilio_stub.answer_call(call.sid)
    assert "<Dial" in twilio_stub.press(call.sid, "1")
    twilio_stub.dial_result(call.sid, "completed", 42)
    twilio_stub.repeat_last(call.sid)  # Twilio's retry: delivered twice
    twilio_stub.hang_up(call.sid, after=50)

    paths = [path for path, _, _ in webhooks]
    assert paths == ["/status", "/start", "/keys", "/dialled", "/dialled", "/status"]
    assert webhooks[3][1] == webhooks[4][1]
    assert all(valid for _, _, valid in webhooks)
    dialled = webhooks[3][1]
    assert dialled["DialCallStatus"] == "completed" and dialled["DialCallDuration"] == "42"
    assert dialled["CallSid"] == call.sid
    assert webhooks[-1][1]["CallStatus"] == "completed"
    assert webhooks[-1][1]["CallDuration"] == "50"
    assert twilio.calls(call.sid).fetch().status == "completed"


def test_a_no_answer_dial_carries_no_duration(twilio, twilio_stub, webhooks):
    twiml = (
        '<Response><Dial action="http://localhost/dialled"><Number>+1202</Number></Dial></Response>'
    )
    call = twilio.calls.create(to=SALESPERSON, from_=OFFICE, twiml=twiml)
    twilio_stub.answer_call(call.sid)
    twilio_stub.dial_result(call.sid, "no-answer")
    [(_, form, valid)] = webhooks
    assert valid and form["DialCallStatus"] == "no-answer" and "DialCallDuration" not in form


def test_a_live_call_is_redirected_and_an_ended_one_is_not(twilio, twilio_stub, webhooks):
    call = twilio.calls.create(to=SALESPERSON, from_=OFFICE, twiml="<Response><Pause/></Response>")
    twilio_stub.answer_call(call.sid)
    new = '<Response><Dial action="http://localhost/dialled"><Number>+1</Number></Dial></Response>'
    twilio.calls(call.sid).update(twiml=new)
    assert twilio_stub.call(call.sid).twiml == new
    [update] = twilio_stub.call_updates
    assert update.form["Twiml"] == new
    twilio.calls(call.sid).update(status="completed")
    with pytest.raises(TwilioRestException) as refused:
        twilio.calls(call.sid).update(twiml=new)
    assert refused.value.code == 21220


def test_refusals_and_scripts(twilio, twilio_stub):
    with pytest.raises(TwilioRestException) as no_to:
        twilio.calls.create(to="", from_=OFFICE, twiml="<Response/>")
    assert no_to.value.code == 21201
    twilio_stub.fail_call_next(503)
    with pytest.raises(TwilioRestException) as down:
        twilio.calls.create(to=SALESPERSON, from_=OFFICE, twiml="<Response/>")
    assert down.value.status == 503
    with pytest.raises(TwilioRestException) as unknown:
        twilio.calls("CA" + "0" * 32).fetch()
    assert unknown.value.status == 404
    assert twilio_stub.messages == [] and len(twilio_stub.calls) == 0


def test_the_list_and_the_control_from_another_process(twilio, twilio_stub, webhooks):
    call = twilio.calls.create(to=SALESPERSON, from_=OFFICE, url="http://localhost/start")
    assert [c.sid for c in twilio.calls.list(to=SALESPERSON)] == [call.sid]
    control = StubControl(twilio_stub.base_url)
    assert [c["sid"] for c in control.calls()] == [call.sid]
    answered = control.answer_call(sid=call.sid)
    assert "<Gather" in answered["result"]
