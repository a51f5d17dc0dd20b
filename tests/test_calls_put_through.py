"""Item 1, C3 put through: a caller on the line with the coordinator asks for a
salesperson who is in the office; *Put through* on the call's row redirects the live call
(the Calls API's update) to the salesperson's phone. Not answered within
PUT_THROUGH_RING_SECONDS, it comes back to the coordinator with a message taken: the
salesperson is paged. Answered and long enough, the client is reached."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import Lead, Page
from tests.app_setup import sign_in
from tests.calls_helpers import deliver_to, lead, placed_calls, reached_events
from tests.factories import person
from tests.webhook_helpers import COORDINATOR, OFFICE, STRANGER

pytestmark = [
    pytest.mark.twilio,
    pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR, PUT_THROUGH_RING_SECONDS=20),
]

BRUNO = "+12025550102"


@pytest.fixture
def on_the_line(app, office, twilio_stub, clock):
    """A caller rang the office and is talking to the coordinator: (call sid, stub's id)."""
    deliver_to(app, twilio_stub)
    sid = twilio_stub.incoming_call("http://localhost/twilio/voice", from_=STRANGER, to=OFFICE)
    stub = db.session.scalar(select(Lead).where(Lead.state == "stub"))
    return sid, stub.id


@pytest.fixture
def desk(app, office):
    return sign_in(app.test_client(), "coordinator")


def put_through(desk, lead_id: int, name: str = "Bruno Diaz"):
    return desk.post(
        f"/console/calls/{lead_id}/put-through",
        data={"salesperson_id": person(name).id},
        follow_redirects=True,
    )


def test_the_console_shows_the_live_call_with_put_through(desk, on_the_line):
    _, lead_id = on_the_line
    board = desk.get("/board").get_data(as_text=True)
    assert "on the line" in board and "Put through" in board
    assert f"/console/calls/{lead_id}/put-through" in board


def test_put_through_redirects_the_live_call_to_the_salesperson(desk, on_the_line, twilio_stub):
    sid, lead_id = on_the_line

    answer = put_through(desk, lead_id)

    assert "putting the caller through to Bruno Diaz" in answer.get_data(as_text=True)
    [update] = twilio_stub.call_updates
    assert sid in update.path
    dial = ElementTree.fromstring(update.form["Twiml"]).find("Dial")
    assert dial.find("Number").text == BRUNO
    assert dial.get("timeout") == "20"
    [call] = placed_calls()
    assert (call.kind, call.call_sid, call.salesperson.name) == ("put_through", sid, "Bruno Diaz")


def test_not_answered_it_comes_back_with_a_message_taken_and_a_page(desk, on_the_line, twilio_stub):
    sid, lead_id = on_the_line
    put_through(desk, lead_id)

    answer = twilio_stub.dial_result(sid, "no-answer")

    root = ElementTree.fromstring(answer)
    said = " ".join(s.text for s in root.iter("Say"))
    assert "taken a message" in said
    assert root.find("Dial").text == COORDINATOR  # back to the coordinator
    pages = list(db.session.scalars(select(Page).where(Page.lead_id == lead_id)))
    assert [(p.to_number, p.state) for p in pages] == [(BRUNO, "open")]
    assert lead(lead_id).state == "open" and lead(lead_id).asked_for.name == "Bruno Diaz"
    assert lead(lead_id).client_reached_at is None

    # Twilio delivers the result again: the same answer, no second page.
    assert twilio_stub.repeat_last(sid) == answer
    assert db.session.query(Page).filter(Page.lead_id == lead_id).count() == 1


def test_answered_and_long_enough_the_client_is_reached(desk, on_the_line, twilio_stub):
    sid, lead_id = on_the_line
    put_through(desk, lead_id)

    twilio_stub.dial_result(sid, "completed", 75)

    assert lead(lead_id).reached_by_call_sid == sid
    [event] = reached_events(lead_id)
    assert "Bruno Diaz" in event.detail and "put through" in event.detail
    assert db.session.query(Page).filter(Page.lead_id == lead_id).count() == 0
    assert "on the line" not in desk.get("/board").get_data(as_text=True)  # answered


def test_a_call_that_ended_is_not_put_through(desk, on_the_line, twilio_stub):
    sid, lead_id = on_the_line
    twilio_stub.hang_up(sid, after=30)

    answer = put_through(desk, lead_id).get_data(as_text=True)

    assert "not put through" in answer and "already ended" in answer
    assert placed_calls()[0].error == "The call has already ended."


def test_a_call_ended_with_the_coordinator_leaves_the_board(desk, on_the_line, twilio_stub):
    sid, lead_id = on_the_line
    twilio_stub.dial_result(sid, "completed", 45)  # the coordinator and the caller hung up

    board = desk.get("/board").get_data(as_text=True)

    assert f'data-stub="{lead_id}"' in board  # still to complete
    assert "on the line" not in board and "Put through" not in board


def test_only_someone_in_the_office_can_be_put_through_to(desk, on_the_line, twilio_stub):
    _, lead_id = on_the_line
    bruno = person("Bruno Diaz")
    bruno.status = "out"
    db.session.commit()

    answer = put_through(desk, lead_id).get_data(as_text=True)

    assert "in the office" in answer
    assert twilio_stub.call_updates == [] and placed_calls() == []
