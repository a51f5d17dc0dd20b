"""What Twilio calls, signed with twilio's own RequestValidator: salespeople's replies,
delivery receipts, forged and repeated requests, token rotation, a public URL behind a
proxy, and the development phone going through the same code."""

from datetime import timedelta
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from dispatcher.extensions import db
from dispatcher.models import InboundMessage, Lead, LeadEvent, OutboxMessage, Page
from dispatcher.services import pages
from dispatcher.services.inbound import HELP_TEXT
from dispatcher.services.leads import current_page
from dispatcher.sms.outbox import new_sid
from tests.factories import new_lead, person
from tests.twilio_stub import ACCOUNT_SID, AUTH_TOKEN, app_settings
from workers import jobs

OFFICE = "+12025550100"
ALICE = "+12025550101"  # first in the demo office's rotation
PUBLIC = "https://dispatch.example.com"


@pytest.fixture
def settings(settings, request):
    """Twilio credentials (sending through the stub) unless a test asks for the outbox;
    a test may add settings with ``parametrize("settings", [{...}], indirect=True)``."""
    extra = dict(getattr(request, "param", {}))
    if not extra.pop("outbox", False):
        settings.update(app_settings(request.getfixturevalue("twilio_stub"), from_number=OFFICE))
    settings.update(extra)
    return settings


def sign(url: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def post_signed(client, path, params, *, token=AUTH_TOKEN, url=None, signature=None):
    signature = signature or sign(url or "http://localhost" + path, params, token)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def sms_params(body: str, sender: str = ALICE, sid: str | None = None) -> dict:
    return {
        "MessageSid": sid or new_sid(),
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": OFFICE,
        "Body": body,
        "NumMedia": "0",
    }


def text_sms(client, body: str, sender: str = ALICE, **signing):
    return post_signed(client, "/twilio/sms", sms_params(body, sender), **signing)


def reply_text(response) -> str:
    root = ElementTree.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return " ".join(m.text or "" for m in root.iter("Message"))


def page_out(office, **fields) -> SimpleNamespace:
    """A lead logged and its page sent (through the stub, or the outbox)."""
    lead = new_lead(office, **fields)
    page = current_page(session=db.session, lead_id=lead.id)
    ids = SimpleNamespace(lead=lead.id, page=page.id)
    db.session.commit()
    assert jobs.send_page(ids.page) == "sent"
    return ids


@pytest.fixture
def paged(office):
    return page_out(office)


def state(paged) -> tuple[str, str]:
    db.session.expire_all()
    return db.session.get(Page, paged.page).state, db.session.get(Lead, paged.lead).state


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(kind: str) -> list[LeadEvent]:
    return list(db.session.scalars(select(LeadEvent).where(LeadEvent.kind == kind)))


# -- replies to a page ------------------------------------------------------------


@pytest.mark.parametrize("body", ["OK", "ok", "Yes", "1", "{ref}", "OK {ref}", "#{ref}"])
def test_the_salesperson_acknowledges_their_page(client, paged, body):
    response = text_sms(client, body.format(ref=paged.lead))

    assert response.status_code == 200
    assert f"Ref {paged.lead} is yours" in reply_text(response)
    assert state(paged) == ("acknowledged", "acknowledged")
    page = db.session.get(Page, paged.page)
    assert page.acknowledged_by == "sms" and page.acknowledged_at is not None
    [event] = events("acknowledged")
    assert event.detail == "Alice Chen acknowledged (sms)"


def test_ok_with_a_ref_picks_that_page(client, office):
    first = page_out(office, asked_for_id=person("Alice Chen").id)
    second = page_out(office, asked_for_id=person("Alice Chen").id)

    assert f"Ref {first.lead} is yours" in reply_text(text_sms(client, f"OK {first.lead}"))
    assert state(first)[0] == "acknowledged" and state(second)[0] == "open"
    # A plain OK takes the newest open page.
    assert f"Ref {second.lead} is yours" in reply_text(text_sms(client, "OK"))
    assert state(second)[0] == "acknowledged"


def test_help_explains_and_changes_nothing(client, paged):
    response = text_sms(client, "HELP")

    assert reply_text(response) == HELP_TEXT
    assert "Reply OK" in HELP_TEXT
    assert state(paged) == ("open", "open")


def test_gibberish_gets_the_help_and_changes_nothing(client, paged):
    response = text_sms(client, "who is this??")

    assert reply_text(response) == "Sorry, not understood. " + HELP_TEXT
    assert state(paged) == ("open", "open")
    assert events("acknowledged") == []


def test_an_unknown_number_gets_no_reply_and_changes_nothing(client, paged):
    response = text_sms(client, "OK", sender="+12025550177")

    assert response.status_code == 200
    assert reply_text(response) == ""
    assert state(paged) == ("open", "open")


def test_a_reply_after_the_page_was_missed_is_told_it_went_to_someone_else(client, paged):
    page = db.session.get(Page, paged.page)
    outcome = pages.handle_deadline(
        session=db.session,
        page_id=page.id,
        now=page.deadline_at + timedelta(seconds=1),
        deadline_seconds=300,
    )
    db.session.commit()
    assert outcome.action == "reassigned"

    response = text_sms(client, "OK")

    assert f"Ref {paged.lead} has gone to someone else" in reply_text(response)
    assert state(paged) == ("missed", "open")
    next_page = db.session.get(Page, outcome.next_page_id)
    assert next_page.state == "open" and next_page.salesperson.name == "Bruno Diaz"


# -- signatures ---------------------------------------------------------------------


def _unsigned(client, params):
    return client.post("/twilio/sms", data=params)


def _wrong_token(client, params):
    return post_signed(client, "/twilio/sms", params, token="f" * 32)


def _tampered_body(client, params):
    signature = sign("http://localhost/twilio/sms", {**params, "Body": "HELP"})
    return post_signed(client, "/twilio/sms", params, signature=signature)


def _signed_for_another_path(client, params):
    return post_signed(client, "/twilio/sms", params, url="http://localhost/twilio/status")


def _signed_for_another_host(client, params):
    return post_signed(client, "/twilio/sms", params, url="https://evil.example.com/twilio/sms")


@pytest.mark.parametrize(
    "forge",
    [_unsigned, _wrong_token, _tampered_body, _signed_for_another_path, _signed_for_another_host],
)
def test_a_forged_reply_is_refused_and_changes_nothing(client, paged, forge):
    response = forge(client, sms_params("OK"))

    assert response.status_code == 403
    assert count(InboundMessage) == 0
    assert state(paged) == ("open", "open")


def test_the_same_message_delivered_twice_acts_once(client, paged):
    params = sms_params("OK")

    first = post_signed(client, "/twilio/sms", params)
    again = post_signed(client, "/twilio/sms", params)

    assert (first.status_code, again.status_code) == (200, 200)
    assert reply_text(again) == reply_text(first) and "is yours" in reply_text(first)
    assert len(events("acknowledged")) == 1
    assert count(InboundMessage) == 1


@pytest.mark.parametrize(
    "settings", [{"TWILIO_PREVIOUS_AUTH_TOKENS": "a" * 32 + ", " + "b" * 32}], indirect=True
)
def test_a_previous_token_is_accepted_while_it_is_rotated(client, paged):
    assert text_sms(client, "HELP", token=AUTH_TOKEN).status_code == 200
    assert text_sms(client, "HELP", token="c" * 32).status_code == 403

    response = text_sms(client, "OK", token="b" * 32)

    assert response.status_code == 200
    assert state(paged) == ("acknowledged", "acknowledged")


@pytest.mark.parametrize("settings", [{"PUBLIC_BASE_URL": PUBLIC}], indirect=True)
def test_behind_a_proxy_the_public_url_is_what_twilio_signed(client, paged):
    # The test client's own URL is http://localhost/twilio/sms; Twilio signed the public one.
    assert text_sms(client, "OK", url="http://localhost/twilio/sms").status_code == 403
    assert state(paged) == ("open", "open")

    response = text_sms(client, "OK", url=PUBLIC + "/twilio/sms")

    assert response.status_code == 200
    assert state(paged) == ("acknowledged", "acknowledged")


# -- delivery receipts --------------------------------------------------------------


def receipt(client, sid: str, status: str, **extra):
    params = {
        "AccountSid": ACCOUNT_SID,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": ALICE,
        "From": OFFICE,
        "ApiVersion": "2010-04-01",
        **extra,
    }
    response = post_signed(client, "/twilio/status", params)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    return response


def delivery_status(page_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Page, page_id).delivery_status


def test_receipts_move_the_page_forward_and_a_late_one_does_not_undo_it(client, paged, twilio_stub):
    [sms] = twilio_stub.messages
    sid = db.session.get(Page, paged.page).message_sid
    assert sid == sms.sid and delivery_status(paged.page) == "queued"

    receipt(client, sid, "sent")
    assert delivery_status(paged.page) == "sent"
    receipt(client, sid, "delivered")
    assert delivery_status(paged.page) == "delivered"
    receipt(client, sid, "sent")  # arrives late, out of order
    assert delivery_status(paged.page) == "delivered"
    assert events("page_failed") == []


def test_a_failed_delivery_shows_on_the_timeline(client, paged):
    sid = db.session.get(Page, paged.page).message_sid

    receipt(client, sid, "failed", ErrorCode="30003")

    assert delivery_status(paged.page) == "failed"
    [event] = events("page_failed")
    assert event.lead_id == paged.lead and event.page_id == paged.page
    assert "30003" in event.detail


def test_a_receipt_for_an_unknown_message_is_harmless(client, paged):
    receipt(client, new_sid(), "delivered")

    assert delivery_status(paged.page) == "queued"


def test_an_unsigned_receipt_is_refused(client, paged):
    sid = db.session.get(Page, paged.page).message_sid
    params = {"AccountSid": ACCOUNT_SID, "MessageSid": sid, "MessageStatus": "failed"}

    assert client.post("/twilio/status", data=params).status_code == 403
    assert delivery_status(paged.page) == "queued"


# -- the development phone (outbox, no Twilio credentials) ---------------------------


@pytest.mark.parametrize("settings", [{"outbox": True}], indirect=True)
def test_the_development_phone_replies_through_the_same_webhook(coordinator, paged):
    alice = person("Alice Chen")
    [page_sms] = db.session.scalars(select(OutboxMessage)).all()
    assert page_sms.to_number == alice.mobile

    response = coordinator.post(f"/dev/phone/{alice.id}", data={"body": "OK"})

    assert response.status_code == 302
    assert state(paged) == ("acknowledged", "acknowledged")
    inbound = db.session.scalar(select(InboundMessage))
    assert (inbound.from_number, inbound.outcome) == (alice.mobile, "acknowledged")
    shown = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Ref {paged.lead} is yours" in shown
