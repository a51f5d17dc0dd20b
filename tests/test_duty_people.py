"""The salespeople's side of the roster: shift swaps asked on the page and answered by SMS
or on the page (the manager sees every one), IN / OUT / BUSY / BACK, the rule that takes
someone out of the rotation after missed pages in a row, the calendar feeds, logging a
call while on duty, and the manager's Roster screen refusing bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads.service import current_page
from dispatcher.models import (
    Lead,
    ManagerChange,
    ManagerMessage,
    OfficeHours,
    Role,
    ShiftSwap,
    User,
)
from dispatcher.office import roster_edits
from dispatcher.office.schedule import office_schedule, office_today
from dispatcher.office.swaps import ask_swap
from tests.app_setup import sign_in
from tests.factories import missed, new_lead, person
from tests.webhook_helpers import ALICE, BRUNO, MANAGER, reply_text, text_sms

pytestmark = pytest.mark.twilio


def sms_to(number: str) -> list[str]:
    return list(
        db.session.scalars(select(ManagerMessage.body).where(ManagerMessage.to_number == number))
    )


def shift_in_a_few_days(office, who: str, days: int = 2):
    """A weekly evening shift of ``who``, and its day ``days`` from today (office time)."""
    day = office_today(office, utcnow()) + timedelta(days=days)
    shift = roster_edits.add_shift(
        session=db.session,
        office=office,
        salesperson_id=person(who).id,
        weekday=day.weekday(),
        starts="20:00",
        ends="23:00",
        first_day=day - timedelta(days=7),
        last_day=None,
        every_weeks=1,
        actor="manager",
        now=utcnow(),
    )
    db.session.commit()
    return shift, day


def taker(office, shift, day) -> str:
    roster = office_schedule(session=db.session, office=office).roster
    known = next(s for s in roster.shifts if s.id == shift.id)
    return db.session.get(type(person("Alice Chen")), roster.who_takes(known, day)).name


def test_a_swap_asked_on_the_page_and_accepted_by_sms(client, office):
    shift, day = shift_in_a_few_days(office, "Alice Chen")
    sign_in(client, "alice")
    response = client.post(
        "/me/swaps",
        data={"shift": shift.id, "day": day.isoformat(), "colleague": person("Bruno Diaz").id},
    )
    assert response.status_code == 303
    [asked] = sms_to(BRUNO)
    assert asked.startswith("Alice Chen asks you to take their duty") and "SWAP YES" in asked
    assert taker(office, shift, day) == "Alice Chen"  # hers until Bruno accepts

    answer = reply_text(text_sms(client, "swap yes", sender=BRUNO))

    assert answer.startswith("Thanks: you accepted to take Alice Chen's duty")
    assert taker(office, shift, day) == "Bruno Diaz"
    assert any("Bruno Diaz accepted" in body for body in sms_to(ALICE))
    assert taker(office, shift, day + timedelta(days=7)) == "Alice Chen"  # that day only
    sign_in(client, "manager")
    page = client.get("/manager/roster").get_data(as_text=True)
    assert "accepted" in page and "by SMS" in page


def test_a_swap_refused_on_the_page_leaves_the_shift_where_it_was(client, office):
    shift, day = shift_in_a_few_days(office, "Bruno Diaz")
    swap = ask_swap(
        session=db.session,
        asker=person("Bruno Diaz"),
        shift_id=shift.id,
        day=day,
        colleague_id=person("Alice Chen").id,
        now=utcnow(),
    )
    db.session.commit()
    sign_in(client, "alice")
    assert "Bruno Diaz asks you to take their duty" in client.get("/me").get_data(as_text=True)

    client.post(f"/me/swaps/{swap.id}/answer", data={"accept": "no"})

    db.session.expire_all()
    assert (swap.state, swap.answered_how) == ("refused", "page")
    assert taker(office, shift, day) == "Bruno Diaz"
    assert any("refused" in body and "still yours" in body for body in sms_to(BRUNO))
    # A second answer changes nothing: it was answered.
    assert "No swap is waiting" in reply_text(text_sms(client, "SWAP YES", sender=ALICE))


def test_nobody_answers_a_swap_asked_of_someone_else(client, office):
    shift, day = shift_in_a_few_days(office, "Bruno Diaz")
    swap = ask_swap(
        session=db.session,
        asker=person("Bruno Diaz"),
        shift_id=shift.id,
        day=day,
        colleague_id=person("Carmen Ortiz").id,
        now=utcnow(),
    )
    db.session.commit()
    sign_in(client, "alice")
    assert client.post(f"/me/swaps/{swap.id}/answer", data={"accept": "yes"}).status_code == 404
    assert db.session.get(ShiftSwap, swap.id).state == "asked"


@pytest.mark.parametrize(
    ("word", "status", "said"),
    [
        ("BUSY", "busy", "You are busy"),
        ("out", "out", "You are out"),
        ("IN", "in_office", "You are in"),
    ],
)
def test_a_salesperson_says_where_they_are_by_sms(client, office, word, status, said):
    answer = reply_text(text_sms(client, word))
    assert answer.startswith(said)
    assert person("Alice Chen").status == status
    if status != "in_office":
        change = db.session.scalars(select(ManagerChange)).all()[-1]
        assert (change.actor, change.kind) == ("Alice Chen", "status")


def test_after_n_missed_pages_in_a_row_they_are_out_until_they_say_back(client, office):
    office.miss_limit = 2
    db.session.commit()
    alice = person("Alice Chen")
    missed(new_lead(office))
    assert alice.status == "in_office" and alice.misses_in_a_row == 1
    # Her next turn comes round again after the others; the second miss takes her out.
    lead = new_lead(office)
    while current_page(session=db.session, lead_id=lead.id).salesperson_id != alice.id:
        lead = new_lead(office)
    missed(lead)
    db.session.commit()

    assert (alice.status, alice.misses_in_a_row) == ("paused", 2)
    assert any("missed 2 pages in a row" in body for body in sms_to(MANAGER))
    assert any("Send BACK" in body for body in sms_to(ALICE))
    skipped = [current_page(session=db.session, lead_id=new_lead(office).id) for _ in range(7)]
    assert "Alice Chen" not in {page.salesperson.name for page in skipped}

    assert (
        reply_text(text_sms(client, "BACK"))
        == "You are back in the rotation: pages reach you again in your turn."
    )
    assert (alice.status, alice.misses_in_a_row) == ("in_office", 0)


def test_with_the_rule_off_misses_take_nobody_out(office):
    for _ in range(3):
        missed(new_lead(office))
        for _ in range(6):
            new_lead(office)
    assert person("Alice Chen").status == "in_office"
    assert not sms_to(MANAGER)


def test_the_calendar_feeds_are_at_secret_addresses(client, office):
    shift_in_a_few_days(office, "Alice Chen")
    sign_in(client, "alice")
    page = client.get("/me").get_data(as_text=True)
    address = page.split('aria-label="Your calendar feed address"')[0].rsplit('value="', 1)[1]
    address = address.split('"')[0].replace("http://localhost", "")

    feed = client.get(address)

    assert feed.mimetype == "text/calendar"
    text = feed.get_data(as_text=True)
    assert "BEGIN:VEVENT" in text and "SUMMARY:On duty" in text
    assert "TZID=America/New_York" in text and "BEGIN:VTIMEZONE" in text
    assert client.get(address[:-8] + "0000.ics").status_code == 404
    client.post("/me/feed")
    assert client.get(address).status_code == 404  # the old address is revoked


def test_on_duty_a_salesperson_logs_a_call_on_their_page_and_it_is_theirs(client, office):
    alice = person("Alice Chen")
    sign_in(client, "alice")
    refused = client.post("/me/log-call", data={"caller_phone": "202-555-0188", "kind": "buyer"})
    assert refused.status_code == 303 and db.session.scalar(select(Lead.id)) is None
    for weekday in range(7):  # on duty all day, whatever the hour the test runs
        for starts, ends in (("00:00", "12:00"), ("12:00", "00:00")):
            roster_edits.add_shift(
                session=db.session,
                office=office,
                salesperson_id=alice.id,
                weekday=weekday,
                starts=starts,
                ends=ends,
                first_day=office_today(office, utcnow()) - timedelta(days=7),
                last_day=None,
                every_weeks=1,
                actor="manager",
                now=utcnow(),
            )
    db.session.commit()
    assert "You are on duty" in client.get("/me").get_data(as_text=True)
    assert 'id="lead-form"' in client.get("/me/log-call").get_data(as_text=True)

    client.post(
        "/me/log-call",
        data={"caller_phone": "202-555-0188", "kind": "buyer", "caller_name": "Mrs Example"},
    )

    lead = db.session.scalars(select(Lead)).one()
    page = current_page(session=db.session, lead_id=lead.id)
    assert (lead.state, page.salesperson_id, page.acknowledged_by) == (
        "acknowledged",
        alice.id,
        "page",
    )
    assert page.sent_at is None  # nobody pages the one who took the call


def test_the_roster_screen_refuses_bad_hours_and_changes_nothing(client, office):
    sign_in(client, "manager")
    form = {f"opens{d}": "08:00" for d in range(7)} | {f"closes{d}": "20:00" for d in range(7)}
    response = client.post(
        "/manager/roster/hours", data=form | {"opens2": "25:00"}, follow_redirects=True
    )
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert {row.closes for row in db.session.scalars(select(OfficeHours))} == {1440}

    client.post("/manager/roster/hours", data=form | {"opens6": "", "closes6": ""})

    db.session.expire_all()
    hours = {
        row.weekday: (row.opens, row.closes) for row in db.session.scalars(select(OfficeHours))
    }
    assert hours[0] == (480, 1200) and hours[6] == (None, None)
    assert "Sunday: 00:00-24:00 -> closed" in [
        c.detail for c in db.session.scalars(select(ManagerChange))
    ]


def test_a_salesperson_may_not_open_the_roster_screen(client, office):
    sign_in(client, "alice")
    assert client.get("/manager/roster").status_code == 403
    assert User.query.filter_by(role=Role.MANAGER).count() == 1
