"""Requests signed as Twilio signs them (twilio's own RequestValidator), and the small
look-ups the webhook tests share."""

from __future__ import annotations

from xml.etree import ElementTree

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from dispatcher.extensions import db
from dispatcher.leads.voice_pins import FULLY_ATTESTED
from dispatcher.models import Lead, LeadEvent, Page
from dispatcher.sms.outbox import new_sid
from testkit.twilio_stub import ACCOUNT_SID, AUTH_TOKEN
from tests.factories import count  # noqa: F401 (the webhook tests' look-ups)

OFFICE = "+12025550100"
ALICE = "+12025550101"  # first in the demo office's rotation
BRUNO = "+12025550102"  # second
MANAGER = "+12025550199"  # the demo office's manager
COORDINATOR = "+12025550150"
STRANGER = "+12025550177"


def sign(url: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def post_signed(client, path, params, *, token=AUTH_TOKEN, url=None, signature=None):
    signature = signature or sign(url or "http://localhost" + path, params, token)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def sms_params(body: str, sender: str = ALICE, sid: str | None = None, **extra) -> dict:
    return {
        "MessageSid": sid or new_sid(),
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": OFFICE,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }


def text_sms(client, body: str, sender: str = ALICE, **signing):
    return post_signed(client, "/twilio/sms", sms_params(body, sender), **signing)


def reply_text(response) -> str:
    root = ElementTree.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return " ".join(m.text or "" for m in root.iter("Message"))


def call_params(sender: str, sid: str | None = None, *, attested: bool = True, **extra) -> dict:
    """A ringing call as Twilio posts it. ``attested``: the carrier fully vouched for the
    caller ID (STIR/SHAKEN "A"), so a salesperson is not asked for their PIN."""
    verstat = {"StirVerstat": FULLY_ATTESTED} if attested else {}
    return {
        "CallSid": sid or new_sid("CA"),
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": OFFICE,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **verstat,
        **extra,
    }


def receipt_params(sid: str, status: str, to: str = ALICE, **extra) -> dict:
    return {
        "AccountSid": ACCOUNT_SID,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": to,
        "From": OFFICE,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def receipt(client, sid: str, status: str, **extra):
    response = post_signed(client, "/twilio/status", receipt_params(sid, status, **extra))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    return response


def state(paged) -> tuple[str, str]:
    db.session.expire_all()
    return db.session.get(Page, paged.page).state, db.session.get(Lead, paged.lead).state


def events(kind: str) -> list[LeadEvent]:
    return list(db.session.scalars(select(LeadEvent).where(LeadEvent.kind == kind)))


def ring(client, sender: str = STRANGER, **extra):
    response = post_signed(client, "/twilio/voice", call_params(sender, **extra))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return response


def key_in(client, call_sid: str, digits: str):
    """The keys pressed at the PIN prompt, posted as Twilio's <Gather> posts them."""
    params = call_params(ALICE, sid=call_sid, attested=False, Digits=digits, FinishedOnKey="#")
    response = post_signed(client, "/twilio/voice/pin", params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return response


def verbs(response) -> list[tuple[str, str]]:
    """The TwiML's verbs in order: ('Say', words) or ('Dial', number)."""
    root = ElementTree.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return [(verb.tag, " ".join((verb.text or "").split())) for verb in root]


def dialled(response) -> str | None:
    return next((text for tag, text in verbs(response) if tag == "Dial"), None)


def said(response) -> str:
    return " ".join(text for tag, text in verbs(response) if tag == "Say")


def stubs() -> list[Lead]:
    db.session.expire_all()
    return list(db.session.scalars(select(Lead).where(Lead.state == "stub")))


def pages_of(lead_id: int) -> list[Page]:
    db.session.expire_all()
    return list(db.session.scalars(select(Page).where(Page.lead_id == lead_id).order_by(Page.id)))
