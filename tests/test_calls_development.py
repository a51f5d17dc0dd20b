"""Without Twilio's credentials (bin/serve in development) nothing rings: the
development phone shows the call that would have rung. And the pure rules: what is a
contact, and working minutes."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import LeadEvent, LeadState, OutboxMessage, Page, Salesperson
from routing.contact import after_working_minutes, dial_seconds, is_contact
from routing.duty import OfficeCalendar, Span
from tests.app_setup import sign_in
from tests.calls_helpers import acknowledged_lead, lead, live_call, placed_calls, reached_events
from tests.factories import T0, logged_page
from workers import jobs

ALICE = "+12025550101"


def test_call_the_client_shows_on_the_development_phone(app, office):
    paged = acknowledged_lead(office)
    alice = sign_in(app.test_client(), "alice")

    assert alice.post(f"/me/leads/{paged.lead}/call").status_code == 303

    shown = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.to_number == ALICE)
    ).all()
    assert any("Call from the office" in body for body in shown)
    [call] = placed_calls()
    assert call.call_sid.startswith("CA") and call.error is None
    phone = alice.get(f"/dev/phone/{call.salesperson_id}").get_data(as_text=True)
    assert "Call from the office" in phone


@pytest.mark.settings(PUBLIC_BASE_URL="http://localhost:5000")
def test_a_voice_page_goes_by_sms_on_the_development_phone(app, office):
    """Nothing could press 1 on a call the development line shows: the page's SMS goes."""
    alice = db.session.scalar(select(Salesperson).where(Salesperson.mobile == ALICE))
    alice.page_by = "call"
    db.session.commit()
    page = logged_page(office)
    page_id, lead_id = page.id, page.lead_id

    assert jobs.send_page(page_id) == "sent"

    db.session.expire_all()
    assert db.session.get(Page, page_id).call_status == "not_placed"
    assert (
        db.session.scalar(
            select(LeadEvent.detail).where(
                LeadEvent.lead_id == lead_id, LeadEvent.kind == "page_call"
            )
        )
        == "Voice page not placed: Twilio is not set up"
    )
    [sms] = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.to_number == ALICE)
    ).all()
    assert f"Ref {lead_id}" in sms and "Call from the office" not in sms


def test_a_contact_is_an_answered_dial_of_the_minimum():
    assert is_contact("completed", 20, 20)
    assert is_contact("answered", 45, 20)
    assert not is_contact("completed", 19, 20)
    assert not is_contact("completed", None, 20)
    for status in ("no-answer", "busy", "failed", "canceled"):
        assert not is_contact(status, 300, 20)
    assert dial_seconds(" 42 ") == 42 and dial_seconds("") is None and dial_seconds("4.2") is None


def test_working_minutes_skip_closed_days_and_holidays():
    # Open Monday only, 09:00-10:00; Monday 30 Nov 2026 a holiday: the next Monday.
    week = (Span(9 * 60, 10 * 60),) + (None,) * 6
    calendar = OfficeCalendar(
        "America/New_York", week=week, holidays={datetime(2026, 11, 30).date(): None}
    )
    start = datetime(2026, 11, 23, 14, 45)  # Monday 09:45: fifteen minutes left
    assert after_working_minutes(calendar, start, 30) == datetime(2026, 12, 7, 14, 15)


def test_put_through_shows_on_the_salespersons_development_phone(app, office, clock):
    desk = sign_in(app.test_client(), "coordinator")
    stub = live_call(office, T0)
    bruno = db.session.scalar(select(Salesperson).where(Salesperson.name == "Bruno Diaz"))

    answer = desk.post(
        f"/console/calls/{stub}/put-through",
        data={"salesperson_id": bruno.id},
        follow_redirects=True,
    )

    assert "putting the caller through to Bruno Diaz" in answer.get_data(as_text=True)
    shown = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.to_number == bruno.mobile)
    ).all()
    assert any("put through to you" in body for body in shown)


def _put_through_to_bruno(app, office):
    desk = sign_in(app.test_client(), "coordinator")
    stub = live_call(office, utcnow())
    bruno = db.session.scalar(select(Salesperson).where(Salesperson.name == "Bruno Diaz"))
    bruno_id = bruno.id
    desk.post(f"/console/calls/{stub}/put-through", data={"salesperson_id": bruno_id})
    [call] = placed_calls()
    return desk, stub, bruno_id, call.id


def test_a_call_put_through_rings_on_the_development_phone_and_is_let_ring(app, office):
    """README: not answered, the lead is given to that salesperson and paged."""
    desk, stub, bruno_id, call_id = _put_through_to_bruno(app, office)
    phone = desk.get(f"/dev/phone/{bruno_id}").get_data(as_text=True)
    assert "A caller put through to you" in phone and "Let it ring" in phone
    assert "Put through" in desk.get("/board").get_data(as_text=True)  # on the line

    answer = desk.post(
        f"/dev/phone/{bruno_id}/calls/{call_id}", data={"answer": "no"}, follow_redirects=True
    )

    assert "message" in answer.get_data(as_text=True)  # they will call you back
    assert lead(stub).state == LeadState.OPEN
    page = db.session.scalar(select(Page).where(Page.lead_id == stub))
    assert page.salesperson_id == bruno_id
    assert "Let it ring" not in desk.get(f"/dev/phone/{bruno_id}").get_data(as_text=True)
    board = desk.get("/board").get_data(as_text=True)
    assert "Put through" not in board


def test_a_call_put_through_answered_on_the_development_phone_leaves_the_line(app, office):
    desk, stub, bruno_id, call_id = _put_through_to_bruno(app, office)

    desk.post(f"/dev/phone/{bruno_id}/calls/{call_id}", data={"answer": "yes"})

    [call] = placed_calls()
    assert call.dial_status == "completed" and call.dial_seconds == 30
    assert lead(stub).client_reached_at is not None
    assert "Put through" not in desk.get("/board").get_data(as_text=True)


def test_call_the_client_answered_on_the_development_phone_reaches_the_client(app, office):
    paged = acknowledged_lead(office)
    alice = sign_in(app.test_client(), "alice")
    alice.post(f"/me/leads/{paged.lead}/call")
    [call] = placed_calls()
    phone = alice.get(f"/dev/phone/{call.salesperson_id}").get_data(as_text=True)
    assert "Answer (talk 30 s)" in phone

    alice.post(f"/dev/phone/{call.salesperson_id}/calls/{call.id}", data={"answer": "yes"})

    assert lead(paged.lead).client_reached_at is not None
    assert reached_events(paged.lead)


def test_the_words_after_a_dial_are_said_only_if_nobody_answers():
    from dispatcher.sms.devphone import describe_call

    twiml = (
        '<Response><Say>Hello.</Say><Dial action="/x">+12025550150</Dial>'
        "<Say>Goodbye.</Say></Response>"
    )
    assert describe_call(twiml) == (
        "The office says: “Hello.” Then +12025550150 rings. "
        "If nobody answers, the office says: “Goodbye.”"
    )


@pytest.mark.settings(COORDINATOR_PHONE="+12025550150")
def test_the_readme_walk_ring_as_a_client_put_through_let_it_ring(app, office):
    """The newcomer's walk on the development phone: a client rings the office, the
    coordinator puts them through to Alice, Alice's phone rings and is let ring: the lead
    is hers, paged, and the page is on her phone."""
    desk = sign_in(app.test_client(), "coordinator")
    rang = desk.post("/dev/phone/call", data={"from_number": "202-555-0177"}, follow_redirects=True)
    assert "If nobody answers, the office says" in rang.get_data(as_text=True)
    stub = _stub_id()
    alice = db.session.scalar(select(Salesperson).where(Salesperson.mobile == ALICE))
    alice_id = alice.id

    desk.post(f"/console/calls/{stub}/put-through", data={"salesperson_id": alice_id})
    [call] = placed_calls()
    desk.post(f"/dev/phone/{alice_id}/calls/{call.id}", data={"answer": "no"})
    page_id = db.session.scalar(select(Page.id).where(Page.lead_id == stub))
    assert jobs.send_page(page_id) == "sent"  # the worker's job, queued after the commit

    phone = desk.get(f"/dev/phone/{alice_id}").get_data(as_text=True)
    assert "A caller put through to you" in phone and "Let it ring" not in phone
    assert f"Ref {stub}" in phone.split("A caller put through to you", 1)[1]  # the page
    assert lead(stub).state == LeadState.OPEN


def _stub_id() -> int:
    from dispatcher.models import Lead

    db.session.expire_all()
    return db.session.scalar(select(Lead.id).where(Lead.state == LeadState.STUB))
