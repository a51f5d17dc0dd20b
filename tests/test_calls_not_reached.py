"""Item 4: a lead acknowledged but with no verified contact after
NOT_REACHED_REMINDER_MINUTES of working hours reminds the salesperson by SMS; as long
again, the manager is told; an office may choose to give the lead on then (off by
default). Times by an injected clock; the job at a fixed id and the sweeper's backstop
act once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from dispatcher.calls.not_reached import check_not_reached
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import Lead, ManagerChange, ManagerMessage, Page, PageState
from dispatcher.pages.service import acknowledge_page
from dispatcher.queue import queue
from routing.courtesy import sms_segments
from tests.factories import c8_hours, new_lead, page_out
from workers import sweeper

MONDAY_10AM = datetime(2026, 11, 23, 15, 0)  # New York
ALICE = "+12025550101"
MANAGER = "+12025550199"


def acknowledged_at(office, at: datetime) -> Page:
    lead = new_lead(office, now=at)
    page = page_out(lead, at)
    assert acknowledge_page(session=db.session, page_id=page.id, now=at, by="sms")
    db.session.commit()
    return page


def check(page: Page, now: datetime):
    result = check_not_reached(
        session=db.session, page_id=page.id, now=now, minutes=30, deadline_seconds=300
    )
    db.session.commit()
    return result


def messages() -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(select(ManagerMessage).order_by(ManagerMessage.id))
    return [(m.to_number, m.body) for m in rows]


@pytest.fixture
def c8_office(office):
    c8_hours(office)
    office.manager_mobile = MANAGER
    db.session.commit()
    return office


def test_the_salesperson_is_reminded_then_the_manager_told_once_each(c8_office):
    page = acknowledged_at(c8_office, MONDAY_10AM)

    early = check(page, MONDAY_10AM + timedelta(minutes=29))
    assert (early.action, early.due_at) == ("early", MONDAY_10AM + timedelta(minutes=30))
    assert messages() == []

    assert check(page, MONDAY_10AM + timedelta(minutes=30)).action == "reminded"
    [(to, body)] = messages()
    assert to == ALICE and "not been reached" in body and "Mrs Example" not in body
    # The job and the sweeper at once, or a second run: nothing more.
    assert check(page, MONDAY_10AM + timedelta(minutes=31)).action == "early"
    assert len(messages()) == 1

    assert check(page, MONDAY_10AM + timedelta(minutes=60)).action == "escalated"
    assert [to for to, _ in messages()] == [ALICE, MANAGER]
    assert "Alice Chen" in messages()[-1][1]
    assert check(page, MONDAY_10AM + timedelta(minutes=90)).action == "done"
    assert len(messages()) == 2
    # Off by default: the lead stays with Alice.
    assert db.session.get(Lead, page.lead_id).state == "acknowledged"


def test_a_client_reached_is_never_reminded(c8_office):
    page = acknowledged_at(c8_office, MONDAY_10AM)
    db.session.get(Lead, page.lead_id).client_reached_at = MONDAY_10AM + timedelta(minutes=5)
    db.session.commit()

    assert check(page, MONDAY_10AM + timedelta(hours=2)).action == "reached"
    assert messages() == []


def test_only_working_hours_count(c8_office):
    # Monday 19:50 in New York: ten working minutes left, the other twenty on Tuesday.
    page = acknowledged_at(c8_office, datetime(2026, 11, 24, 0, 50))

    late = check(page, datetime(2026, 11, 24, 2, 0))  # 21:00, after hours

    assert late.action == "early"
    assert late.due_at == datetime(2026, 11, 24, 13, 20)  # Tuesday 08:20
    assert check(page, late.due_at).action == "reminded"


def test_the_office_may_give_the_lead_on_when_the_client_is_not_reached(c8_office):
    c8_office.reassign_when_not_reached = True
    db.session.commit()
    page = acknowledged_at(c8_office, MONDAY_10AM)
    check(page, MONDAY_10AM + timedelta(minutes=30))

    escalated = check(page, MONDAY_10AM + timedelta(minutes=60))

    assert escalated.next_page_id is not None
    given = db.session.get(Page, escalated.next_page_id)
    assert given.salesperson.name != "Alice Chen" and given.state == PageState.OPEN
    assert db.session.get(Page, page.id).state == "acknowledged"  # Alice's stays on record
    assert db.session.get(Lead, page.lead_id).state == "open"


def test_an_acknowledgement_schedules_the_check_at_a_fixed_id(office):
    page = acknowledged_at(office, utcnow())

    scheduled = ScheduledJobRegistry(queue=queue()).get_job_ids()

    assert f"reach-{page.id}" in scheduled


def test_the_sweeper_reminds_what_no_job_did_once(office):
    office.manager_mobile = MANAGER
    page = acknowledged_at(office, utcnow() - timedelta(minutes=45))  # round the clock

    first = sweeper.reach_round()
    again = sweeper.reach_round()

    assert first == {"reminded": 1}
    assert again == {"early": 1}
    assert [to for to, _ in messages()] == [ALICE]
    assert db.session.get(Page, page.id).reach_reminded_at is not None


def test_the_manager_turns_the_office_switch_on_and_it_is_recorded(manager, office):
    assert "client is not reached" in manager.get("/manager/office").get_data(as_text=True)
    form = {"target_area": "", "manager_mobile": "", "ownership_lapse_days": "20"}

    response = manager.post("/manager/office", data={**form, "reassign_when_not_reached": "on"})

    assert response.status_code == 303
    db.session.refresh(office)
    assert office.reassign_when_not_reached
    changes = db.session.scalars(select(ManagerChange.detail)).all()
    assert "a lead whose client is not reached goes to the next salesperson" in changes


def test_a_chinese_offices_reminder_and_notice_are_in_its_language(c8_office):
    """Issue 18: the reminder to the salesperson and the manager's notice in the office's
    language, each one UCS-2 SMS (70 characters a segment)."""
    c8_office.language = "zh_Hant"
    db.session.commit()
    page = acknowledged_at(c8_office, MONDAY_10AM)

    check(page, MONDAY_10AM + timedelta(minutes=30))
    check(page, MONDAY_10AM + timedelta(minutes=60))

    [(_, reminder), (_, notice)] = messages()
    assert reminder.startswith(f"編號 {page.lead_id}：仍未聯絡客戶。")
    assert notice == f"編號 {page.lead_id}：Alice Chen 已確認，但仍未經辦公室致電聯絡客戶。"
    for body in (reminder, notice):
        segments = sms_segments(body)
        assert (segments.segments, segments.encoding) == (1, "UCS-2"), body
