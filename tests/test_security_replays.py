"""Issue #13, item 4: a signed webhook re-cut under a new id. Twilio's signature runs the
parameters' names and values together, so moving one into the sid keeps it valid; only
Twilio's own id shapes, and this service's account, are accepted (400, nothing changed)."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from callbacks.sids import ACCOUNT_SID as ACCOUNT_SHAPE
from callbacks.sids import SID_SHAPES
from dispatcher.extensions import db
from dispatcher.models import InboundCall, InboundMessage, LeadEvent, Page
from dispatcher.sms.devphone import DEV_ACCOUNT_SID
from dispatcher.sms.outbox import new_sid
from testkit.twilio_stub import ACCOUNT_SID, AUTH_TOKEN
from tests.factories import paged_lead, person
from tests.webhook_helpers import (
    ALICE,
    STRANGER,
    call_params,
    count,
    post_signed,
    receipt_params,
    said,
    sign,
    sms_params,
    state,
    stubs,
)

OTHER_ACCOUNT = "AC" + "9" * 32


pytestmark = pytest.mark.twilio


@pytest.fixture
def two_pages(office):
    """Two open pages to Alice: one acknowledged by the genuine request, one a replay
    would acknowledge."""
    alice = person("Alice Chen").id
    return paged_lead(office, asked_for_id=alice), paged_lead(office, asked_for_id=alice)


def recut(params: dict, sid_name: str, moved: str) -> dict:
    """The same signed text under a new id: ``moved`` (and its value) ride in the sid."""
    forged = {k: v for k, v in params.items() if k != moved}
    forged[sid_name] = params[sid_name] + moved + params[moved]
    return forged


def signature_still_valid(path: str, params: dict, signature: str) -> bool:
    url = "http://localhost" + path
    return RequestValidator(AUTH_TOKEN).validate(url, params, signature)


def test_an_sms_re_cut_under_a_new_message_sid_acknowledges_nothing_more(client, office):
    # A bare OK acts only on a salesperson's one open page (issue 15): the second page
    # goes out after the genuine OK, and a replay of it would acknowledge that one.
    alice = person("Alice Chen").id
    newer = paged_lead(office, asked_for_id=alice)
    genuine = sms_params("OK")
    signature = sign("http://localhost/twilio/sms", genuine)
    assert post_signed(client, "/twilio/sms", genuine, signature=signature).status_code == 200
    assert state(newer)[0] == "acknowledged"
    older = paged_lead(office, asked_for_id=alice)  # "older": the one left open

    forged = recut(genuine, "MessageSid", "NumMedia")
    assert signature_still_valid("/twilio/sms", forged, signature)  # the attack is real
    response = post_signed(client, "/twilio/sms", forged, signature=signature)

    assert response.status_code == 400
    assert state(older)[0] == "open"
    assert count(InboundMessage) == 1


def test_a_call_re_cut_under_a_new_call_sid_hears_no_details_and_acknowledges_nothing(
    client, office
):
    # With two pages open the call would ask which (issue 15): the second goes out after
    # the genuine call, and a replay of it would acknowledge that one and read it out.
    alice = person("Alice Chen").id
    newer = paged_lead(office, asked_for_id=alice)
    genuine = call_params(ALICE)
    signature = sign("http://localhost/twilio/voice", genuine)
    first = post_signed(client, "/twilio/voice", genuine, signature=signature)
    assert "Mrs Example" in said(first) and state(newer)[0] == "acknowledged"
    older = paged_lead(office, asked_for_id=alice)
    heard = count(LeadEvent)

    forged = recut(genuine, "CallSid", "CallStatus")
    assert signature_still_valid("/twilio/voice", forged, signature)
    response = post_signed(client, "/twilio/voice", forged, signature=signature)

    assert response.status_code == 400
    assert "Mrs Example" not in response.get_data(as_text=True)
    assert state(older)[0] == "open"
    assert count(InboundCall) == 1 and count(LeadEvent) == heard


@pytest.mark.parametrize("tail", ["x", "MessageStatusundelivered", "0"])
def test_a_receipt_with_a_malformed_message_sid_is_refused(client, office, tail):
    paged = paged_lead(office)
    sid = db.session.get(Page, paged.page).message_sid
    params = receipt_params(sid + tail, "undelivered", ErrorCode="30003")

    assert post_signed(client, "/twilio/status", params).status_code == 400
    assert state(paged) == ("open", "open")


MALFORMED = [
    "",
    "SM" + "A" * 32,  # Twilio's hex is lowercase
    "SM" + "a" * 31,
    "SM" + "a" * 33,
    "XX" + "a" * 32,
    "SM" + "a" * 32 + "\n",
    "SM" + "٣" * 32,  # digits, but not ASCII ones
]


@pytest.mark.parametrize("sid", MALFORMED)
def test_a_malformed_message_sid_is_refused(client, two_pages, sid):
    params = sms_params("OK", sid=sid or "x")
    if not sid:
        del params["MessageSid"]

    assert post_signed(client, "/twilio/sms", params).status_code == 400
    assert count(InboundMessage) == 0 and state(two_pages[1])[0] == "open"


@pytest.mark.parametrize("sid", ["CA" + "a" * 31, "SM" + "a" * 32, "CA" + "a" * 32 + "x"])
def test_a_malformed_call_sid_is_refused(client, office, sid):
    assert post_signed(client, "/twilio/voice", call_params(STRANGER, sid=sid)).status_code == 400
    assert stubs() == [] and count(InboundCall) == 0


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/twilio/sms", lambda: sms_params("OK", AccountSid=OTHER_ACCOUNT)),
        ("/twilio/voice", lambda: call_params(ALICE, AccountSid=OTHER_ACCOUNT)),
        ("/twilio/voice/pin", lambda: call_params(ALICE, AccountSid=OTHER_ACCOUNT, Digits="1")),
        ("/twilio/status", lambda: receipt_params(new_sid(), "failed", AccountSid=OTHER_ACCOUNT)),
        ("/twilio/sms", lambda: {k: v for k, v in sms_params("OK").items() if k != "AccountSid"}),
    ],
)
def test_another_account_or_none_is_refused_when_twilio_is_configured(
    client, two_pages, path, params
):
    response = post_signed(client, path, params())

    assert response.status_code == 400
    assert state(two_pages[1])[0] == "open"
    assert count(InboundMessage) == 0 and count(InboundCall) == 0


@pytest.mark.parametrize("settings", [{"outbox": True}], indirect=True)
def test_without_twilio_any_well_formed_account_is_accepted_and_a_malformed_one_is_not(
    app, client, office
):
    from dispatcher.sms.outbox import development_auth_token

    token = development_auth_token()
    good = post_signed(
        client, "/twilio/sms", sms_params("HELP", AccountSid=OTHER_ACCOUNT), token=token
    )
    bad = post_signed(client, "/twilio/sms", sms_params("HELP", AccountSid="AC123"), token=token)

    assert (good.status_code, bad.status_code) == (200, 400)


def test_the_ids_this_service_and_its_tests_make_are_twilios_shape():
    assert SID_SHAPES["MessageSid"].fullmatch(new_sid())
    assert SID_SHAPES["CallSid"].fullmatch(new_sid("CA"))
    assert ACCOUNT_SHAPE.fullmatch(DEV_ACCOUNT_SID) and ACCOUNT_SHAPE.fullmatch(ACCOUNT_SID)
