"""What Twilio calls, signed with twilio's own RequestValidator: salespeople's replies,
delivery receipts, forged and repeated requests, token rotation, a public URL behind a
proxy, and the development phone going through the same code."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import InboundMessage, OutboxMessage, Page
from dispatcher.pages import service as pages
from dispatcher.pages.replies import HELP_TEXT, UNKNOWN_NUMBER_REPLY
from dispatcher.sms.outbox import new_sid
from testkit.twilio_stub import ACCOUNT_SID, AUTH_TOKEN
from tests.factories import paged_lead, person
from tests.webhook_helpers import (
    count,
    events,
    post_signed,
    receipt,
    reply_text,
    sign,
    sms_params,
    state,
    text_sms,
)

PUBLIC = "https://dispatch.example.com"


pytestmark = pytest.mark.twilio


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
    first = paged_lead(office, asked_for_id=person("Alice Chen").id)
    second = paged_lead(office, asked_for_id=person("Alice Chen").id)

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


def test_an_unknown_number_gets_a_polite_reply_and_changes_nothing(client, paged):
    response = text_sms(client, "OK", sender="+12025550177")

    assert response.status_code == 200
    assert reply_text(response) == UNKNOWN_NUMBER_REPLY
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

    assert f"Ref {paged.lead} went to a colleague" in reply_text(response)
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


# -- rate limits ------------------------------------------------------------------


def test_an_address_sending_forged_requests_is_cut_off_and_nothing_changes(client, paged):
    for _ in range(20):
        assert text_sms(client, "OK", token="f" * 32).status_code == 403
    # The 21st from that address is refused before its signature is even looked at,
    # a valid one included: the limit is on the address.
    blocked = text_sms(client, "OK")
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers
    assert count(InboundMessage) == 0
    assert state(paged) == ("open", "open")


def test_signed_requests_do_not_count_against_the_forgery_limit(client, paged):
    answers = [text_sms(client, "HELP").status_code for _ in range(30)]
    assert answers == [200] * 30


@pytest.mark.parametrize("settings", [{"WEBHOOK_RATE_LIMIT": "5 per minute"}], indirect=True)
def test_a_flood_from_one_address_is_limited(client, paged):
    answers = [text_sms(client, "HELP").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    assert count(InboundMessage) == 5
