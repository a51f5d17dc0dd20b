"""The hours and the roster in routing and the deadline (C8, C5): a lead after hours pages
the salesperson on duty; one whose deadline passes after closing goes to them, not to
someone at home; with nobody on duty it is held and paged at opening, one at a time, or
goes to the manager; the weekend's shifts narrow the rotation; leave; the voice webhook
rings whoever the roster says."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from dispatcher.extensions import db
from dispatcher.leads.manager_hand import assign_by_hand
from dispatcher.leads.service import current_page
from dispatcher.models import LeadState, Page, PageState
from dispatcher.office import held, roster_edits
from dispatcher.office.availability import set_leave
from tests.factories import c8_hours, missed, new_lead, person
from tests.webhook_helpers import BRUNO, COORDINATOR, MANAGER, dialled, ring, stubs

MONDAY_7_58PM = datetime(2026, 11, 24, 0, 58)  # New York, EST
MONDAY_9PM = datetime(2026, 11, 24, 2, 0)
TUESDAY_8AM = datetime(2026, 11, 24, 13, 0)
SATURDAY_10AM = datetime(2026, 11, 28, 15, 0)


@pytest.fixture
def c8(office):
    """The office with C8's hours (the test office's default is round the clock)."""
    c8_hours(office)
    return office


def weeknights(office, who: str = "Bruno Diaz", weekday: int = 0) -> None:
    """``who`` on duty at home on that weekday, 20:00 to 08:00 the next morning."""
    roster_edits.add_shift(
        session=db.session,
        office=office,
        salesperson_id=person(who).id,
        weekday=weekday,
        starts="20:00",
        ends="08:00",
        first_day=date(2026, 11, 1),
        last_day=None,
        every_weeks=1,
        actor="manager",
        now=MONDAY_7_58PM,
    )
    db.session.commit()


def paged_to(lead) -> str | None:
    page = current_page(session=db.session, lead_id=lead.id)
    return page.to_number if page is not None else None


def test_a_lead_after_hours_pages_the_salesperson_on_duty(c8):
    weeknights(c8)
    lead = new_lead(c8, now=MONDAY_9PM)
    assert paged_to(lead) == BRUNO
    assert lead.assignments[-1].rule == "rotation"  # the rotation among those on duty


def test_a_deadline_passing_after_closing_goes_to_the_salesperson_on_duty(c8):
    weeknights(c8, "Carmen Ortiz")
    lead = new_lead(c8, now=MONDAY_7_58PM)  # logged 19:58, paged in the rotation
    first = current_page(session=db.session, lead_id=lead.id)
    assert first.salesperson.name == "Alice Chen"
    outcome = missed(lead, at=MONDAY_7_58PM)  # the deadline passes at 20:03
    assert outcome.action == "reassigned"
    nxt = db.session.get(Page, outcome.next_page_id)
    assert nxt.salesperson.name == "Carmen Ortiz"  # not Bruno, next in the rotation, at home


def test_with_nobody_on_duty_a_lead_is_held_then_paged_at_opening_one_at_a_time(c8):
    first, second = new_lead(c8, now=MONDAY_9PM), new_lead(c8, now=MONDAY_9PM)
    assert [first.state, second.state] == [LeadState.HELD, LeadState.HELD]
    assert paged_to(first) is None
    assert first.assignments[-1].rule == "held"

    def release(at):
        return held.release_next(
            session=db.session, office_id=c8.id, now=at, deadline_seconds=300, spacing=60
        )

    assert release(TUESDAY_8AM - timedelta(seconds=1)) is False  # 07:59:59: still nobody
    page = release(TUESDAY_8AM)
    assert page.lead_id == first.id and page.state == PageState.OPEN
    assert release(TUESDAY_8AM + timedelta(seconds=59)) is False  # not a flood
    assert release(TUESDAY_8AM + timedelta(seconds=60)).lead_id == second.id
    assert release(TUESDAY_8AM + timedelta(seconds=120)) is False  # none left
    assert "released" in [event.kind for event in first.events]


def test_a_held_lead_waits_on_the_board_in_words(client, c8):
    new_lead(c8, now=MONDAY_9PM)
    db.session.commit()
    client.post("/sign-in", data={"username": "coordinator", "password": "demo-password"})
    board = client.get("/board").get_data(as_text=True)
    assert "Nobody yet" in board and "held: nobody on duty" in board


def test_an_empty_roster_pages_the_manager_when_the_office_says_so(c8):
    c8.nobody_on_duty = "manager"
    lead = new_lead(c8, now=MONDAY_9PM)
    page = current_page(session=db.session, lead_id=lead.id)
    assert (lead.state, page.to_number, page.state) == (LeadState.MANAGER, MANAGER, "notify")
    assert "nobody on duty" in page.body


def test_the_weekend_shifts_narrow_the_rotation_while_the_coordinator_is_in(c8):
    roster_edits.add_weekend_pair(
        session=db.session,
        office=c8,
        first_id=person("Erin Walsh").id,
        second_id=person("David Park").id,
        starts="09:00",
        ends="18:00",
        first_day=date(2026, 11, 28),
        actor="manager",
        now=MONDAY_9PM,
    )
    saturday = [new_lead(c8, now=SATURDAY_10AM) for _ in range(2)]
    assert {current_page(session=db.session, lead_id=x.id).salesperson.name for x in saturday} == {
        "Erin Walsh"
    }
    noon = new_lead(c8, now=SATURDAY_10AM + timedelta(hours=2))
    assert current_page(session=db.session, lead_id=noon.id).salesperson.name == "David Park"
    # Sunday begins with the other one, so the two share the weekend evenly.
    sunday = new_lead(c8, now=SATURDAY_10AM + timedelta(days=1))
    assert current_page(session=db.session, lead_id=sunday.id).salesperson.name == "David Park"


def test_a_salesperson_on_leave_is_skipped_and_back_after(office):
    set_leave(
        session=db.session,
        person=person("Alice Chen"),
        first_day=date(2026, 11, 23),
        last_day=date(2026, 11, 24),
        actor="manager",
        now=MONDAY_9PM,
    )
    during = new_lead(office, now=MONDAY_9PM)
    assert current_page(session=db.session, lead_id=during.id).salesperson.name == "Bruno Diaz"
    asked = new_lead(office, now=MONDAY_9PM, asked_for_id=person("Alice Chen").id)
    decision = asked.assignments[-1]
    # Asked for by name she is still paged (C3), and the words never say she is on leave.
    assert (decision.rule, decision.salesperson.name) == ("asked_for", "Alice Chen")
    assert "leave" not in (decision.script or "") and "not in the office" in decision.script
    # The leave over, her turn comes round again (the rotation owes nothing for leave).
    # New callers each (the caller who named Alice is her client now, O4).
    after = [
        new_lead(office, now=datetime(2026, 11, 25, 15, 0), caller_phone=f"+1202555{n:04d}")
        for n in range(1, 7)
    ]
    names = [current_page(session=db.session, lead_id=x.id).salesperson.name for x in after]
    assert names[0] == "Carmen Ortiz" and names[-1] == "Alice Chen"


@pytest.mark.twilio
@pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR)
def test_a_call_after_hours_rings_whoever_the_roster_says(client, c8, clock):
    weeknights(c8)
    clock(MONDAY_9PM)
    assert dialled(ring(client)) == BRUNO
    assert stubs()[0].events[0].detail.startswith("Call outside the coordinator's hours")
    clock(MONDAY_9PM + timedelta(days=1))  # Tuesday night: nobody on the roster
    assert dialled(ring(client)) is None


@pytest.mark.twilio
@pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR)
def test_a_holiday_sends_calls_to_the_roster_not_the_coordinator(client, c8, clock):
    roster_edits.add_holiday(
        session=db.session,
        office=c8,
        day=date(2026, 11, 23),
        name="Closed",
        opens="",
        closes="",
        actor="manager",
        now=MONDAY_9PM,
    )
    weeknights(c8, weekday=0)
    clock(datetime(2026, 11, 23, 15, 0))  # Monday 10:00, a holiday
    assert dialled(ring(client)) is None  # nobody on a shift before 20:00
    clock(MONDAY_9PM)
    assert dialled(ring(client)) == BRUNO


def test_the_only_one_on_duty_on_leave_means_nobody_on_duty(c8):
    weeknights(c8)
    bruno = person("Bruno Diaz")
    bruno.leave_from, bruno.leave_until = date(2026, 11, 23), date(2026, 11, 23)
    lead = new_lead(c8, now=MONDAY_9PM)
    assert lead.state == LeadState.HELD and paged_to(lead) is None


def test_the_manager_may_give_a_held_lead_by_hand(c8):
    lead = new_lead(c8, now=MONDAY_9PM)
    page = assign_by_hand(
        session=db.session,
        lead=lead,
        salesperson_id=person("Erin Walsh").id,
        actor="manager",
        now=MONDAY_9PM,
        deadline_seconds=300,
    )
    assert (lead.state, page.salesperson.name) == (LeadState.OPEN, "Erin Walsh")
    assert held.offices_holding(session=db.session) == []
