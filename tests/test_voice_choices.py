"""Issue 15, item 2: a call that could mean more than one lead asks which, signed as
Twilio signs it. Alice acknowledges Ref 2 by SMS, Ref 3 is then paged to her, she calls
the office: the call used to acknowledge Ref 3 and read its client. Now it asks
("For Ref 2, acknowledged at 10:04, press 1. For Ref 3, paged at 10:06, press 2."), and
acts only on the lead chosen; one candidate needs no question; after a PIN too."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from dispatcher.clock import local_time, utcnow
from dispatcher.extensions import db
from dispatcher.models import InboundCall, LeadEvent, Page
from tests.factories import paged_lead, person
from tests.webhook_helpers import (
    ALICE,
    COORDINATOR,
    call_params,
    key_in,
    post_signed,
    said,
    state,
    text_sms,
)

pytestmark = [pytest.mark.twilio, pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR)]


PIN = "2580"


def for_alice(office):
    return paged_lead(office, now=utcnow(), asked_for_id=person("Alice Chen").id)


def clock(moment) -> str:
    return local_time(moment, "America/New_York").strftime("%H:%M")


def call(client, **extra) -> tuple[str, object]:
    params = call_params(ALICE, **extra)
    response = post_signed(client, "/twilio/voice", params)
    assert response.status_code == 200
    return params["CallSid"], response


def choose(client, call_sid: str, digits: str, **extra):
    params = call_params(ALICE, sid=call_sid, Digits=digits, **extra)
    response = post_signed(client, "/twilio/voice/choose", params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return response


def question(response) -> str | None:
    """The words of the <Gather> asking which lead, or None when nothing is asked."""
    root = ElementTree.fromstring(response.get_data(as_text=True))
    asked = next(
        (g for g in root.iter("Gather") if g.get("action") == "/twilio/voice/choose"), None
    )
    if asked is None:
        return None
    assert asked.get("numDigits") == "1"
    return " ".join(" ".join(asked.itertext()).split())


def details_heard() -> list[LeadEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(LeadEvent).where(LeadEvent.kind == "details_by_call")))


def sent_at(paged) -> object:
    return db.session.get(Page, paged.page).sent_at


def acked_at(paged) -> object:
    db.session.expire_all()
    return db.session.get(Page, paged.page).acknowledged_at


@pytest.fixture
def ref2_acked_ref3_paged(client, office):
    """Alice acknowledges Ref 2 by SMS, then Ref 3 is paged to her."""
    ref2 = for_alice(office)
    text_sms(client, "OK")
    assert state(ref2)[0] == "acknowledged"
    ref3 = for_alice(office)
    return ref2, ref3


def test_a_call_after_an_ok_with_another_page_open_asks_which(client, ref2_acked_ref3_paged):
    ref2, ref3 = ref2_acked_ref3_paged

    call_sid, response = call(client)

    assert question(response) == (
        f"For Ref {ref2.lead}, acknowledged at {clock(acked_at(ref2))}, press 1. "
        f"For Ref {ref3.lead}, paged at {clock(sent_at(ref3))}, press 2."
    )
    text = response.get_data(as_text=True)
    assert "Mrs Example" not in text and "0188" not in text
    assert state(ref3)[0] == "open"  # nothing acknowledged before the choice
    assert details_heard() == []
    assert db.session.scalar(select(InboundCall.outcome)) == "choice_asked"


def test_pressing_2_takes_ref_3_and_reads_its_client(client, ref2_acked_ref3_paged):
    ref2, ref3 = ref2_acked_ref3_paged
    call_sid, _ = call(client)

    response = choose(client, call_sid, "2")

    assert f"Reference {ref3.lead} is yours. The client is Mrs Example." in said(response)
    assert state(ref3)[0] == "acknowledged"
    [heard] = details_heard()
    assert (heard.lead_id, heard.page_id) == (ref3.lead, ref3.page)


def test_pressing_1_reads_ref_2_and_leaves_ref_3_open(client, ref2_acked_ref3_paged):
    ref2, ref3 = ref2_acked_ref3_paged
    call_sid, _ = call(client)

    response = choose(client, call_sid, "1")

    assert f"Reference {ref2.lead}. The client is Mrs Example." in said(response)
    assert f"Reference {ref3.lead} is still open" in said(response)
    assert state(ref3)[0] == "open"
    [heard] = details_heard()
    assert heard.lead_id == ref2.lead


def test_once_its_details_were_heard_a_lead_is_no_longer_asked_about(client, ref2_acked_ref3_paged):
    ref2, ref3 = ref2_acked_ref3_paged
    first_call, _ = call(client)
    choose(client, first_call, "1")  # Ref 2's details heard

    _, response = call(client)

    assert question(response) is None
    assert f"Reference {ref3.lead} is yours." in said(response)
    assert state(ref3)[0] == "acknowledged"


def test_one_candidate_needs_no_question(client, office):
    only = for_alice(office)

    _, response = call(client)

    assert question(response) is None
    assert f"Reference {only.lead} is yours. The client is Mrs Example." in said(response)


def test_two_open_pages_ask_which(client, office):
    first, second = for_alice(office), for_alice(office)

    call_sid, response = call(client)

    assert question(response) == (
        f"For Ref {first.lead}, paged at {clock(sent_at(first))}, press 1. "
        f"For Ref {second.lead}, paged at {clock(sent_at(second))}, press 2."
    )
    response = choose(client, call_sid, "1")
    assert f"Reference {first.lead} is yours." in said(response)
    assert state(first)[0] == "acknowledged" and state(second)[0] == "open"


def test_a_key_not_offered_asks_again_and_changes_nothing(client, ref2_acked_ref3_paged):
    _, ref3 = ref2_acked_ref3_paged
    call_sid, first = call(client)

    response = choose(client, call_sid, "7")

    assert "That is not one of the choices." in said(response)
    assert question(response) == question(first)
    assert state(ref3)[0] == "open" and details_heard() == []


def test_the_same_choice_delivered_twice_acts_once(client, ref2_acked_ref3_paged):
    _, ref3 = ref2_acked_ref3_paged
    call_sid, _ = call(client)

    first = choose(client, call_sid, "2")
    again = choose(client, call_sid, "2")

    assert again.get_data() == first.get_data()
    assert len(details_heard()) == 1


def test_another_key_after_the_choice_reads_nothing_more(client, ref2_acked_ref3_paged):
    call_sid, _ = call(client)
    choose(client, call_sid, "2")

    response = choose(client, call_sid, "1")

    assert "Mrs Example" not in response.get_data(as_text=True)
    assert len(details_heard()) == 1


def test_a_choice_for_a_call_that_asked_nothing_reads_nothing(client, office):
    paged = for_alice(office)
    call_sid, _ = call(client, attested=False)  # waiting for the PIN: nothing asked yet

    response = choose(client, call_sid, "1", attested=False)

    assert "Mrs Example" not in response.get_data(as_text=True)
    assert state(paged)[0] == "open" and details_heard() == []


def test_the_choice_comes_after_a_right_pin(client, ref2_acked_ref3_paged):
    _, ref3 = ref2_acked_ref3_paged
    alice = person("Alice Chen")
    alice.set_voice_pin(PIN)
    db.session.commit()
    call_sid, response = call(client, attested=False)
    assert question(response) is None and "enter your PIN" in response.get_data(as_text=True)

    asked = key_in(client, call_sid, PIN)

    assert question(asked) is not None and state(ref3)[0] == "open"
    response = choose(client, call_sid, "2", attested=False)
    assert f"Reference {ref3.lead} is yours." in said(response)
    assert state(ref3)[0] == "acknowledged"
