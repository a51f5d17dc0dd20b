"""Voice pages (issue item 5): each salesperson chooses SMS, SMS then a call after 2
minutes, or call only; the call is placed through the Calls API (the local stub, with
the real twilio client), says "Client call for <office>, Ref 12. Press 1 to take it, 2
to pass", 1 acknowledges (as an SMS OK does) and reads the details after the PIN, 2
passes; an SMS that is not delivered goes by voice before the lead moves on. Every
webhook is signed as Twilio signs it (the stub posts them); repeats act once."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import LeadEvent, ManagerChange, Office, Page
from dispatcher.queue import queue
from tests.app_setup import sign_in
from tests.calls_helpers import deliver_to
from tests.factories import logged_page, person
from tests.webhook_helpers import ALICE, call_params, pages_of, post_signed, receipt
from workers import jobs, sweeper

BASE = "http://localhost"
PIN = "2468"

pytestmark = [pytest.mark.twilio, pytest.mark.settings(PUBLIC_BASE_URL=BASE)]


@pytest.fixture
def phone(app, twilio_stub):
    """The stub posts its webhooks to the app through Flask's test client."""
    deliver_to(app, twilio_stub)
    return twilio_stub


def alice_pages_by(office, page_by: str):
    alice = person("Alice Chen")
    alice.page_by = page_by
    alice.set_voice_pin(PIN)
    db.session.commit()
    return alice


def called(office) -> tuple[SimpleNamespace, str]:
    """A page to Alice (paged by call only) whose call the send job placed; its sid."""
    alice_pages_by(office, "call")
    page = logged_page(office)
    jobs.send_page(page.id)
    return page, fresh(page.id).call_sid


def fresh(page_id: int) -> Page:
    db.session.expire_all()
    return db.session.get(Page, page_id)


def scheduled() -> list[str]:
    return ScheduledJobRegistry(queue=queue()).get_job_ids()


def kinds(lead_id: int) -> list[str]:
    return list(db.session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == lead_id)))


def test_call_only_places_a_call_and_no_sms(office, phone):
    alice_pages_by(office, "call")
    page = logged_page(office)

    assert jobs.send_page(page.id) == "called"

    [call] = phone.calls
    assert call.to == ALICE
    assert call.form["Url"] == f"{BASE}/twilio/voice/page/{page.id}"
    assert call.form["StatusCallback"] == f"{BASE}/twilio/voice/page/{page.id}/status"
    assert phone.messages == []
    page = fresh(page.id)
    assert page.call_sid == call.sid and page.sent_at is not None
    assert f"reassign-{page.id}" in scheduled()  # the deadline runs from the call
    assert jobs.call_page(page.id) == "nothing"  # placed once
    assert len(phone.calls) == 1


def test_pressing_1_takes_the_page_and_reads_the_details_after_the_pin(office, phone):
    page, sid = called(office)

    prompt = phone.answer_call(sid)
    assert (
        f"Client call for Century Office, Ref {page.lead_id}. Press 1 to take it, 2 to pass."
        in (prompt)
    )
    took = phone.press(sid, "1")
    assert f"Ref {page.lead_id} is yours." in took and "enter your PIN" in took
    assert "Mrs Example" not in took  # nothing read before the PIN
    page = fresh(page.id)
    assert (page.state, page.acknowledged_by) == ("acknowledged", "call")

    again = phone.repeat_last(sid)  # Twilio's retry of the keys
    assert again == took
    assert kinds(page.lead_id).count("acknowledged") == 1

    details = phone.press(sid, PIN)
    assert "The client is Mrs Example." in details


def test_a_wrong_pin_reads_nothing(office, phone):
    page, sid = called(office)
    phone.answer_call(sid)
    phone.press(sid, "1")
    answer = phone.press(sid, "1111")
    assert "not right" in answer and "Mrs Example" not in answer


@pytest.mark.settings(VOICE_PIN_REQUIRED=False)
def test_without_pins_the_details_follow_at_once(office, phone):
    page, sid = called(office)
    phone.answer_call(sid)
    assert "The client is Mrs Example." in phone.press(sid, "1")


def test_pressing_2_passes_the_lead_on(office, phone):
    page, sid = called(office)
    phone.answer_call(sid)

    answer = phone.press(sid, "2")

    assert f"Ref {page.lead_id} is passed on" in answer
    passed, nxt = pages_of(page.lead_id)
    assert (passed.state, nxt.salesperson.name) == ("declined", "Bruno Diaz")
    assert f"send-{nxt.id}-0" in queue().get_job_ids()


def test_sms_then_a_call_two_minutes_later_unless_answered(office, phone):
    alice_pages_by(office, "sms_then_call")
    page = logged_page(office)

    assert jobs.send_page(page.id) == "sent"

    assert len(phone.messages) == 1 and phone.calls == []
    assert f"call-page-{page.id}" in scheduled()
    assert jobs.call_page(page.id) == "called"  # the job, when due
    assert len(phone.calls) == 1


def test_sms_then_call_places_nothing_once_acknowledged(office, phone, client):
    alice_pages_by(office, "sms_then_call")
    page = logged_page(office)
    jobs.send_page(page.id)
    from dispatcher.clock import utcnow
    from dispatcher.pages import service as pages

    assert pages.acknowledge_page(session=db.session, page_id=page.id, now=utcnow(), by="sms")
    db.session.commit()
    assert jobs.call_page(page.id) == "nothing"
    assert phone.calls == []


def test_the_sweeper_places_the_call_whose_job_was_lost(office, phone):
    alice_pages_by(office, "sms_then_call")
    page = logged_page(office)
    jobs.send_page(page.id)
    page = fresh(page.id)
    page.sent_at -= timedelta(minutes=3)
    db.session.commit()

    sweeper.sweep_once()

    assert len(phone.calls) == 1
    sweeper.sweep_once()
    assert len(phone.calls) == 1


def test_an_undelivered_sms_goes_by_voice_before_the_lead_moves_on(client, office, phone):
    page = logged_page(office)  # Alice: SMS, the default
    jobs.send_page(page.id)

    receipt(client, fresh(page.id).message_sid, "undelivered", ErrorCode="30003")

    assert fresh(page.id).state == "open"  # not moved on yet
    assert f"call-page-{page.id}" in queue().get_job_ids()
    assert jobs.call_page(page.id) == "called"
    sid = fresh(page.id).call_sid

    phone.hang_up(sid, status="no-answer")
    phone.repeat_last(sid)  # the status callback twice

    failed, nxt = pages_of(page.lead_id)
    assert (failed.state, failed.call_status) == ("failed", "no-answer")
    assert nxt.salesperson.name == "Bruno Diaz"
    assert kinds(page.lead_id).count("page_call_ended") == 1


def test_during_an_sms_outage_pages_go_by_call_too(office, phone):
    page = logged_page(office)
    db.session.get(Office, office.id).sms_outage_since = page.created_at
    db.session.commit()

    jobs.send_page(page.id)

    assert len(phone.calls) == 1 and len(phone.messages) == 1


def test_a_call_twilio_refuses_leaves_the_page_to_the_sms(office, phone):
    alice_pages_by(office, "call")
    page = logged_page(office)
    phone.fail_call_next(400, code=21211)

    assert jobs.send_page(page.id) == "sent"

    assert len(phone.messages) == 1
    assert fresh(page.id).call_status == "not_placed"
    why = db.session.scalar(
        select(LeadEvent.detail).where(
            LeadEvent.lead_id == page.lead_id, LeadEvent.kind == "page_call"
        )
    )
    assert why == "Voice page not placed: Twilio refused the call (21211)."


def test_a_forged_key_or_another_calls_keys_take_nothing(client, office, phone):
    alice_pages_by(office, "call")
    page = logged_page(office)
    jobs.send_page(page.id)
    url = f"{BASE}/twilio/voice/page/{page.id}/keys"
    path = f"/twilio/voice/page/{page.id}/keys"
    mine = call_params(ALICE, sid=fresh(page.id).call_sid, Digits="1")
    assert post_signed(client, path, mine, url=url, token="0" * 32).status_code == 403
    assert client.post(path, data=mine).status_code == 403
    other = call_params(ALICE, Digits="1")  # signed, but not the page's call
    answer = post_signed(client, path, other, url=url)
    assert answer.status_code == 200 and "no longer open" in answer.get_data(as_text=True)
    assert fresh(page.id).state == "open"


def test_salespeople_choose_on_their_page_and_the_manager_on_theirs(client, office):
    sign_in(client, "alice")
    assert "How pages reach you" in client.get("/me").get_data(as_text=True)
    client.post("/me/page-by", data={"page_by": "sms_then_call"})
    assert person("Alice Chen").page_by == "sms_then_call"
    client.post("/me/page-by", data={"page_by": "pager"})
    db.session.expire_all()
    assert person("Alice Chen").page_by == "sms_then_call"

    sign_in(client, "manager")
    alice = person("Alice Chen")
    assert "How pages reach Alice Chen" in client.get(f"/manager/salespeople/{alice.id}").get_data(
        as_text=True
    )
    client.post(f"/manager/salespeople/{alice.id}/page-by", data={"page_by": "call"})
    db.session.expire_all()
    assert person("Alice Chen").page_by == "call"
    changes = db.session.scalars(
        select(ManagerChange.detail).where(ManagerChange.kind == "page_by")
    )
    assert list(changes) == [
        "Alice Chen's pages: By SMS, then a call after 2 minutes without an answer",
        "Alice Chen's pages: By call only",
    ]


def says(twiml: str) -> list[tuple[str | None, str]]:
    """Each <Say> of a TwiML answer: (its language, its words)."""
    return [
        (say.get("language"), say.text or "") for say in ElementTree.fromstring(twiml).iter("Say")
    ]


def test_a_hong_kong_offices_voice_page_speaks_cantonese_and_its_words(office, phone):
    """Issue 18: a Traditional Chinese office's page call says its words in Chinese, in
    the Cantonese voice (zh-HK); pressing 1 and the PIN go on in it."""
    office.name, office.language = "港灣地產尖沙咀分行", "zh_Hant"
    db.session.commit()
    page, sid = called(office)

    prompt = says(phone.answer_call(sid))
    took = says(phone.press(sid, "1"))
    details = says(phone.press(sid, PIN))

    assert prompt == [
        (
            "zh-HK",
            f"港灣地產尖沙咀分行有客戶來電，編號 {page.lead_id}。接手請按 1，轉交請按 2。",
        ),
        ("zh-HK", "未收到你的回覆。再見。"),
    ]
    assert took[0] == ("zh-HK", f"編號 {page.lead_id} 由你負責。")
    assert {language for language, _ in took + details} == {"zh-HK"}
    assert details[0] == ("zh-HK", "客戶是Mrs Example。") and details[-1][1] == "再見。"


def test_an_english_offices_voice_page_names_its_voice_and_keeps_its_words(office, phone):
    page, sid = called(office)

    prompt = says(phone.answer_call(sid))

    assert prompt[0] == (
        "en-US",
        f"Client call for Century Office, Ref {page.lead_id}. Press 1 to take it, 2 to pass.",
    )
