"""Missed callers (issue item 7): a caller who hangs up before anyone answers is a logged
lead (the stub) with the miss on its timeline and, when the office turns it on, gets one
SMS "Sorry we missed your call, <office> will call you back within N minutes": never in
the quiet hours, never after a STOP. Every webhook is signed as Twilio signs it; a
repeated <Dial> callback acts once."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree

import pytest
from flask_babel import gettext
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.language import in_language
from dispatcher.models import InboundCall, LeadEvent, ManagerMessage
from dispatcher.queue import queue
from dispatcher.voice.missed import WORDS
from routing.courtesy import sms_segments
from tests.courtesy_records import a_client
from tests.webhook_helpers import (
    COORDINATOR,
    STRANGER,
    call_params,
    post_signed,
    ring,
    said,
    stubs,
    text_sms,
)

pytestmark = [pytest.mark.twilio, pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR)]

SORRY = "Sorry we missed your call, Century Office will call you back within 15 minutes."
MONDAY_11PM = datetime(2026, 11, 24, 4, 0)  # Monday 23:00 in New York: quiet hours


@pytest.fixture
def texting(office):
    office.missed_caller_sms = True
    db.session.commit()
    return office


def call_sid_of(response) -> str:
    """The CallSid of the call just answered."""
    del response
    return db.session.scalars(select(InboundCall.call_sid).order_by(InboundCall.id.desc())).first()


def dial_action(response) -> str:
    dial = ElementTree.fromstring(response.get_data(as_text=True)).find("Dial")
    return dial.get("action")


def dial_ends(client, call_sid: str, status: str, *, sender: str = STRANGER, **signing):
    params = call_params(sender, sid=call_sid, DialCallStatus=status, CallStatus="in-progress")
    return post_signed(client, "/twilio/voice/dialled", params, **signing)


def sms_to_callers() -> list[ManagerMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(ManagerMessage).where(ManagerMessage.to_number == STRANGER))
    )


def timeline(kind: str) -> list[str]:
    return list(db.session.scalars(select(LeadEvent.detail).where(LeadEvent.kind == kind)))


def test_the_dial_reports_its_end_to_a_signed_webhook(client, office, clock):
    response = ring(client)
    assert dial_action(response) == "/twilio/voice/dialled"


def test_a_caller_who_hangs_up_unanswered_is_a_logged_lead_and_no_sms_by_default(
    client, office, clock
):
    sid = call_sid_of(ring(client))

    answer = dial_ends(client, sid, "no-answer")

    assert answer.status_code == 200
    assert "we have your number and will call you back" in said(answer)
    [stub] = stubs()
    assert stub.caller_phone == STRANGER
    assert timeline("missed_call") == [
        "The caller hung up before anyone answered (nobody answered)"
    ]
    assert sms_to_callers() == []


def test_when_the_office_turns_it_on_the_caller_gets_one_sms_even_if_twilio_repeats(
    client, texting, clock
):
    sid = call_sid_of(ring(client))

    dial_ends(client, sid, "no-answer")
    dial_ends(client, sid, "no-answer")  # Twilio's retry

    [message] = sms_to_callers()
    assert message.body == SORRY
    assert f"manager-message-{message.id}" in queue().get_job_ids()
    assert len(timeline("missed_call")) == 1


@pytest.mark.settings(MISSED_CALLER_CALL_BACK_MINUTES=5)
def test_a_second_missed_call_soon_after_sends_no_second_sms(client, texting, clock):
    for _ in range(2):
        dial_ends(client, call_sid_of(ring(client)), "busy")
    [message] = sms_to_callers()
    assert message.body.endswith("within 5 minutes.")
    assert timeline("missed_call_sms")[-1] == (
        "No SMS to the caller: they had one in the last 12 hours"
    )


def test_an_answered_call_is_no_missed_call(client, texting, clock):
    sid = call_sid_of(ring(client))
    answer = dial_ends(client, sid, "completed")
    assert said(answer) == ""
    assert timeline("missed_call") == []
    assert sms_to_callers() == []


def test_never_in_the_quiet_hours(client, texting, clock):
    # The test office's coordinator works round the clock: dialled at 23:00 too.
    clock(MONDAY_11PM)
    dial_ends(client, call_sid_of(ring(client)), "no-answer")

    assert sms_to_callers() == []
    assert timeline("missed_call_sms") == [
        "No SMS to the caller: the office's quiet hours (21:00-09:00)"
    ]


def test_a_caller_who_texted_stop_gets_none_until_start(client, texting, clock):
    text_sms(client, "STOP", sender=STRANGER)
    dial_ends(client, call_sid_of(ring(client)), "no-answer")
    assert sms_to_callers() == []
    assert timeline("missed_call_sms") == ["No SMS to the caller: they texted STOP"]

    text_sms(client, "START", sender=STRANGER)
    dial_ends(client, call_sid_of(ring(client)), "no-answer")
    [message] = sms_to_callers()
    assert message.body == SORRY


def test_a_client_who_texted_stop_to_courtesy_messages_gets_none(client, texting, clock):
    a_client(texting, phone=STRANGER, courtesy_opted_out=True)
    db.session.commit()

    dial_ends(client, call_sid_of(ring(client)), "no-answer")

    assert sms_to_callers() == []
    assert timeline("missed_call_sms") == ["No SMS to the caller: they texted STOP"]


@pytest.mark.parametrize("settings", [{"COORDINATOR_PHONE": None}], indirect=True)
def test_nobody_to_put_the_call_through_to_is_a_missed_call_at_once(client, texting, clock):
    response = ring(client)
    assert "Nobody can take your call right now" in said(response)
    [message] = sms_to_callers()
    assert message.body == SORRY
    ring(client, sid=call_sid_of(response))  # Twilio repeats the call's webhook
    assert len(sms_to_callers()) == 1


def test_a_forged_or_unsigned_dial_callback_is_refused(client, texting, clock):
    sid = call_sid_of(ring(client))
    assert dial_ends(client, sid, "no-answer", token="0" * 32).status_code == 403
    unsigned = client.post(
        "/twilio/voice/dialled", data=call_params(STRANGER, sid=sid, DialCallStatus="no-answer")
    )
    assert unsigned.status_code == 403
    assert timeline("missed_call") == []
    assert sms_to_callers() == []


def test_the_manager_turns_the_switches_on_and_off_on_office_rules(client, office):
    from dispatcher.models import ManagerChange, Office
    from tests.app_setup import sign_in

    sign_in(client, "manager")
    page = client.get("/manager/office").get_data(as_text=True)
    assert "Text callers we missed" in page and "Record calls through the office" in page
    form = {"target_area": "", "manager_mobile": "", "ownership_lapse_days": "20"}

    saved = client.post(
        "/manager/office", data={**form, "missed_caller_sms": "on", "record_calls": "on"}
    )
    assert saved.status_code == 303
    db.session.expire_all()
    kept = db.session.get(Office, office.id)
    assert kept.missed_caller_sms and kept.record_calls
    client.post("/manager/office", data=form)
    db.session.expire_all()
    kept = db.session.get(Office, office.id)
    assert not kept.missed_caller_sms and not kept.record_calls
    changes = list(db.session.scalars(select(ManagerChange.detail)))
    assert "SMS to missed callers on" in changes and "recording of calls off" in changes


@pytest.mark.parametrize(
    ("language", "sorry"),
    [
        ("zh_Hant", "抱歉未能接聽你的來電，港灣地產尖沙咀分行會在15分鐘內回電。"),
        ("zh_Hans", "抱歉未能接听您的来电，港湾地产尖沙咀分行会在15分钟内回电。"),
    ],
)
def test_a_chinese_office_texts_the_missed_caller_in_its_language_in_one_sms(
    client, texting, clock, language, sorry
):
    """Issue 18: the SMS is the office's language; with a real Hong Kong branch's name it
    stays one UCS-2 SMS (70 characters), as does a long English office name in Chinese."""
    texting.language = language
    texting.name = "港灣地產尖沙咀分行" if language == "zh_Hant" else "港湾地产尖沙咀分行"
    db.session.commit()

    answer = dial_ends(client, call_sid_of(ring(client)), "no-answer")

    [message] = sms_to_callers()
    assert message.body == sorry
    segments = sms_segments(message.body)
    assert (segments.segments, segments.encoding) == (1, "UCS-2")
    # The caller heard the office's voice too (callbacks.voice_dialled keeps it).
    heard = ElementTree.fromstring(answer.get_data(as_text=True)).findall("Say")
    assert heard and {say.get("language") for say in heard} == {
        "zh-HK" if language == "zh_Hant" else "zh-CN"
    }


def test_the_chinese_sms_with_a_long_english_office_name_says_its_segments(texting):
    """A 35-character English name in a Chinese SMS: still one UCS-2 segment."""
    with in_language("zh_Hant"):
        body = gettext(WORDS, office="Harbour Realty Tsim Sha Tsui Branch", minutes=15)

    assert (sms_segments(body).segments, sms_segments(body).encoding) == (1, "UCS-2")
    assert len(body) <= 70
