"""Twilio signs the URL it called. Behind a proxy the app sees another URL, so the
signature is checked against PUBLIC_BASE_URL: every valid form is accepted, every
forged or unsigned request refused (403) with nothing recorded."""

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from dispatcher.extensions import db
from dispatcher.models import InboundMessage
from dispatcher.sms.outbox import development_auth_token

PARAMS = {
    "MessageSid": "SM" + "5" * 32,
    "AccountSid": "AC" + "5" * 32,
    "From": "+12025550177",
    "To": "+15550000000",
    "Body": "OK",
}


def post(client, path, signed_url, token=None):
    token = token or development_auth_token()
    signature = RequestValidator(token).compute_signature(signed_url, PARAMS)
    return client.post(path, data=PARAMS, headers={"X-Twilio-Signature": signature})


@pytest.mark.parametrize(
    ("public_base", "path", "signed_url"),
    [
        (None, "/twilio/sms", "http://localhost/twilio/sms"),
        ("https://dispatch.example.com", "/twilio/sms", "https://dispatch.example.com/twilio/sms"),
        (
            "https://dispatch.example.com",
            "/twilio/sms",
            "https://dispatch.example.com:443/twilio/sms",
        ),
        ("https://dispatch.example.com/", "/twilio/sms", "https://dispatch.example.com/twilio/sms"),
        (
            "https://dispatch.example.com",
            "/twilio/sms?office=1",
            "https://dispatch.example.com/twilio/sms?office=1",
        ),
        ("http://dispatch.example.com", "/twilio/sms", "http://dispatch.example.com:80/twilio/sms"),
        ("https://example.com/dispatch", "/twilio/sms", "https://example.com/dispatch/twilio/sms"),
        (
            "https://dispatch.example.com:8443",
            "/twilio/sms",
            "https://dispatch.example.com:8443/twilio/sms",
        ),
    ],
)
def test_valid_signatures_in_every_url_form_are_accepted(
    settings, request, public_base, path, signed_url
):
    settings["PUBLIC_BASE_URL"] = public_base
    client = request.getfixturevalue("client")
    request.getfixturevalue("office")  # a webhook is for an office: none set up is a 503
    assert post(client, path, signed_url).status_code == 200


@pytest.mark.parametrize(
    ("path", "signed_url", "token"),
    [
        ("/twilio/sms", "http://dispatch.example.com/twilio/sms", None),  # http vs https
        ("/twilio/sms", "https://other.example.com/twilio/sms", None),  # another host
        ("/twilio/sms?office=1", "https://dispatch.example.com/twilio/sms", None),  # query
        ("/twilio/sms", "https://dispatch.example.com/twilio/status", None),  # another path
        ("/twilio/sms", "https://dispatch.example.com/twilio/sms", "not-the-token"),
    ],
)
def test_forged_signatures_are_refused_and_change_nothing(
    settings, request, path, signed_url, token
):
    settings["PUBLIC_BASE_URL"] = "https://dispatch.example.com"
    client = request.getfixturevalue("client")
    assert post(client, path, signed_url, token).status_code == 403
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 0


def test_an_unsigned_request_is_refused(client):
    assert client.post("/twilio/sms", data=PARAMS).status_code == 403
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 0
