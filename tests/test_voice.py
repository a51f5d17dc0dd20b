"""Calls to the office (the voice webhook), signed as Twilio signs them: a caller in and
outside the coordinator's hours (C8), logged at once as a stub the coordinator completes;
a salesperson calling back hears the client's details (C4); repeats of the same CallSid,
forged signatures, the database away, and the development phone's "Call the office"."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import InboundCall, Lead, LeadEvent, Page
from dispatcher.office import roster_edits
from dispatcher.pages import service as pages
from dispatcher.queue import queue
from tests.factories import T0, c8_hours, paged_lead, person
from tests.webhook_helpers import (
    ALICE,
    COORDINATOR,
    STRANGER,
    call_params,
    count,
    dialled,
    post_signed,
    ring,
    said,
    state,
    stubs,
    text_sms,
    verbs,
)

ON_DUTY = "+12025550160"
MONDAY_10AM = T0  # 15:00 UTC is 10:00 in New York
MONDAY_9PM = datetime(2026, 11, 24, 2, 0)  # Monday 21:00 in New York


pytestmark = [pytest.mark.twilio, pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR)]


@pytest.fixture(autouse=True)
def c8(request):
    """C8's hours (the test office otherwise works round the clock)."""
    if "office" in request.fixturenames:
        c8_hours(request.getfixturevalue("office"))


# -- a caller -------------------------------------------------------------------------


def test_in_hours_a_call_rings_the_coordinator_and_is_logged_at_once(client, office, clock):
    response = ring(client)

    assert verbs(response) == [
        ("Dial", COORDINATOR),
        ("Say", "If we missed you, we have your number and will call you back. Goodbye."),
    ]
    [stub] = stubs()
    assert (stub.caller_phone, stub.channel, stub.kind, stub.created_at) == (
        STRANGER,
        "call",
        "",
        MONDAY_10AM,
    )
    [logged] = stub.events
    assert logged.kind == "logged" and "coordinator" in logged.detail
    # A stub is neither routed nor paged until the coordinator completes it.
    assert stub.assignments == [] and count(Page) == 0 and queue().get_job_ids() == []
    call = db.session.scalar(select(InboundCall))
    assert (call.outcome, call.lead_id, call.from_number) == ("coordinator", stub.id, STRANGER)


def night_shift(office, who: str, weekday: int, starts: str, ends: str) -> None:
    roster_edits.add_shift(
        session=db.session,
        office=office,
        salesperson_id=person(who).id,
        weekday=weekday,
        starts=starts,
        ends=ends,
        first_day=date(2026, 11, 1),
        last_day=None,
        every_weeks=1,
        actor="manager",
        now=MONDAY_9PM,
    )
    db.session.commit()


@pytest.mark.parametrize(
    ("moment", "shift", "rings"),
    [
        (MONDAY_9PM, (0, "20:00", "08:00"), "+12025550102"),
        (datetime(2026, 11, 28, 13, 30), (5, "06:00", "09:00"), "+12025550102"),  # Sat 08:30
        # A plain ON_DUTY_PHONE is only for when the roster cannot be read.
        (MONDAY_9PM, (1, "20:00", "08:00"), None),
    ],
)
def test_outside_hours_a_call_rings_the_salesperson_on_duty_and_is_logged_too(
    app, client, office, clock, moment, shift, rings
):
    app.config["ON_DUTY_PHONE"] = ON_DUTY
    night_shift(office, "Bruno Diaz", *shift)
    clock(moment)

    response = ring(client)

    assert dialled(response) == rings
    [stub] = stubs()
    if rings is None:
        assert "nobody" in stub.events[0].detail
        return
    assert verbs(response)[0] == (
        "Say",
        "Thank you for calling Century Office. Putting you through.",
    )
    assert "on duty" in stub.events[0].detail
    assert db.session.scalar(select(InboundCall)).outcome == "on_duty"


def test_the_salesperson_on_duty_is_not_rung_while_on_leave(client, office, clock):
    night_shift(office, "Bruno Diaz", 0, "20:00", "08:00")
    bruno = person("Bruno Diaz")
    bruno.leave_from, bruno.leave_until = date(2026, 11, 20), date(2026, 11, 30)
    db.session.commit()
    clock(MONDAY_9PM)

    assert dialled(ring(client)) is None


def test_outside_hours_with_nobody_on_duty_the_caller_is_told_they_will_be_called(
    client, office, clock
):
    clock(MONDAY_9PM)

    response = ring(client)

    assert dialled(response) is None
    assert said(response) == (
        "Thank you for calling Century Office. Nobody can take your call right now. "
        "If we missed you, we have your number and will call you back. Goodbye."
    )
    assert len(stubs()) == 1


@pytest.mark.parametrize("settings", [{"COORDINATOR_PHONE": None}], indirect=True)
def test_in_hours_without_a_coordinator_phone_the_call_is_still_logged(client, office, clock):
    response = ring(client)

    assert dialled(response) is None and "Nobody can take your call" in said(response)
    assert len(stubs()) == 1


@pytest.mark.parametrize("withheld", ["anonymous", "+266696687", ""])
def test_a_withheld_number_is_logged_without_one(client, office, clock, withheld):
    response = ring(client, sender=withheld)

    assert dialled(response) == COORDINATOR
    assert "please call again" in said(response)
    [stub] = stubs()
    assert stub.caller_phone == ""


def test_the_same_call_delivered_twice_is_logged_once_with_the_same_answer(client, office, clock):
    params = call_params(STRANGER)

    first = post_signed(client, "/twilio/voice", params)
    clock(MONDAY_9PM)  # even if the repeat comes after closing time
    again = post_signed(client, "/twilio/voice", params)

    assert again.get_data() == first.get_data()
    assert len(stubs()) == 1 and count(InboundCall) == 1


def _unsigned(client, params):
    return client.post("/twilio/voice", data=params)


def _wrong_token(client, params):
    return post_signed(client, "/twilio/voice", params, token="f" * 32)


def _signed_for_sms(client, params):
    return post_signed(client, "/twilio/voice", params, url="http://localhost/twilio/sms")


def _tampered_caller(client, params):
    from tests.webhook_helpers import sign

    signature = sign("http://localhost/twilio/voice", {**params, "From": ALICE})
    return post_signed(client, "/twilio/voice", params, signature=signature)


@pytest.mark.parametrize("forge", [_unsigned, _wrong_token, _signed_for_sms, _tampered_caller])
def test_a_forged_call_is_refused_and_logs_nothing(client, office, clock, forge):
    response = forge(client, call_params(STRANGER))

    assert response.status_code == 403
    assert stubs() == [] and count(InboundCall) == 0


def test_a_call_without_a_call_sid_is_refused(client, office, clock):
    params = call_params(STRANGER)
    del params["CallSid"]

    assert post_signed(client, "/twilio/voice", params).status_code == 400
    assert stubs() == []


# -- a salesperson calling back -----------------------------------------------------------


def test_a_salesperson_calling_back_acknowledges_and_hears_the_details(
    client, office, clock, caplog
):
    caplog.set_level(logging.DEBUG)
    paged = paged_lead(office, listing="L-1001")

    response = ring(client, sender=ALICE)

    assert verbs(response) == [
        ("Say", "Hello Alice Chen."),
        ("Say", f"Reference {paged.lead} is yours."),
        ("Say", "The client is Mrs Example."),
        ("Say", "A buyer, about 12 Elm St."),
        ("Say", "Their number is 2 0 2, 5 5 5, 0 1 8 8. Again: 2 0 2, 5 5 5, 0 1 8 8."),
        ("Gather", ""),  # 1: the client, through the office's number (tests/test_calls_*)
        ("Say", "Putting you through to the coordinator."),
        ("Dial", COORDINATOR),
    ]
    assert state(paged) == ("acknowledged", "acknowledged")
    page = db.session.get(Page, paged.page)
    assert (page.acknowledged_by, page.acknowledged_at) == ("call", MONDAY_10AM)
    kinds = [e.kind for e in db.session.get(Lead, paged.lead).events]
    assert kinds[-2:] == ["acknowledged", "details_by_call"]
    assert stubs() == []  # a salesperson's call is no new lead
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "Example" not in logged and "0188" not in logged and ALICE not in logged


def test_after_an_ok_by_sms_the_call_reads_the_details_without_acknowledging_again(
    client, office, clock, monkeypatch
):
    paged = paged_lead(office)
    monkeypatch.setattr("callbacks.sms.utcnow", lambda: MONDAY_10AM - timedelta(minutes=2))
    text_sms(client, "OK")

    response = ring(client, sender=ALICE)

    assert f"Reference {paged.lead}. The client is Mrs Example." in said(response)
    assert dialled(response) == COORDINATOR
    page = db.session.get(Page, paged.page)
    assert page.acknowledged_by == "sms"
    assert db.session.scalar(select(InboundCall)).outcome == "salesperson_details"


def test_two_open_pages_the_call_asks_which_and_takes_neither(client, office, clock):
    """Issue 15: the call used to take the newest; now it asks (test_voice_choices)."""
    first = paged_lead(office, asked_for_id=person("Alice Chen").id)
    second = paged_lead(office, asked_for_id=person("Alice Chen").id)

    response = ring(client, sender=ALICE)

    assert said(response) == "Hello Alice Chen. We did not get your choice. Goodbye."
    assert f"For Ref {first.lead}" in response.get_data(as_text=True)
    assert state(second)[0] == "open" and state(first)[0] == "open"


def test_a_salesperson_with_nothing_open_is_put_through(client, office, clock):
    response = ring(client, sender=ALICE)

    assert said(response) == (
        "Hello Alice Chen. You have no open page. Putting you through to the coordinator."
    )
    assert dialled(response) == COORDINATOR
    assert db.session.scalar(select(InboundCall)).outcome == "salesperson_nothing"


def test_a_call_back_after_the_deadline_hears_no_details(client, office, clock):
    """The lead went to the next salesperson: its details are theirs now."""
    paged = paged_lead(office)
    page = db.session.get(Page, paged.page)
    pages.handle_deadline(
        session=db.session,
        page_id=page.id,
        now=page.deadline_at + timedelta(seconds=1),
        deadline_seconds=300,
    )
    db.session.commit()

    response = ring(client, sender=ALICE)

    assert "You have no open page." in said(response)
    assert "Mrs Example" not in said(response)
    assert state(paged) == ("missed", "open")


def test_outside_hours_the_salesperson_hears_the_details_and_nobody_is_dialled(
    client, office, clock
):
    paged = paged_lead(office)
    clock(MONDAY_9PM)

    response = ring(client, sender=ALICE)

    assert "The client is Mrs Example." in said(response)
    assert said(response).endswith("The coordinator is not at the desk now. Goodbye.")
    assert dialled(response) is None
    assert state(paged) == ("acknowledged", "acknowledged")


def test_the_same_call_back_delivered_twice_acknowledges_once(client, office, clock):
    paged_lead(office)
    params = call_params(ALICE)

    first = post_signed(client, "/twilio/voice", params)
    again = post_signed(client, "/twilio/voice", params)

    assert again.get_data() == first.get_data()
    events = db.session.scalars(select(LeadEvent).where(LeadEvent.kind == "details_by_call"))
    assert len(events.all()) == 1
