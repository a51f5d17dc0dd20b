"""Pages that never arrive: undelivered or failed receipts, and the same Twilio codes from
the API when sending. The lead moves on at once with the reason in words; a number that
cannot take pages is flagged for the manager; an opted-out one is skipped by routing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import Lead, LeadEvent, ManagerChange, ManagerMessage, Page
from dispatcher.pages import service as pages
from dispatcher.queue import queue
from tests.app_setup import sign_in
from tests.factories import new_lead, paged_lead, person
from tests.webhook_helpers import (
    ALICE,
    MANAGER,
    count,
    events,
    pages_of,
    post_signed,
    receipt,
    receipt_params,
    state,
)
from workers import jobs

CODES = [
    ("30003", "handset unreachable", False),
    ("30005", "unknown handset", True),
    ("30006", "landline or unreachable carrier", True),
    ("30007", "filtered by the carrier", False),
    ("21610", "the salesperson opted out", False),
    ("21614", "not a mobile number", True),
]


pytestmark = pytest.mark.twilio


def sid_of(page_id: int) -> str:
    return db.session.get(Page, page_id).message_sid


def alice():
    db.session.expire_all()
    return person("Alice Chen")


def the_move(lead_id: int) -> LeadEvent:
    [moved] = db.session.scalars(
        select(LeadEvent).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "failed")
    ).all()
    return moved


# -- delivery receipts ------------------------------------------------------------------


@pytest.mark.parametrize(("code", "words", "flagged"), CODES)
@pytest.mark.parametrize("status", ["undelivered", "failed"])
def test_a_page_that_was_not_delivered_moves_the_lead_on_at_once(
    client, paged, status, code, words, flagged
):
    receipt(client, sid_of(paged.page), "sent")

    receipt(client, sid_of(paged.page), status, ErrorCode=code)

    assert state(paged) == ("failed", "open")
    failed, nxt = pages_of(paged.lead)
    assert failed.delivery_status == status
    assert (nxt.state, nxt.salesperson.name) == ("open", "Bruno Diaz")
    assert f"send-{nxt.id}-0" in queue().get_job_ids()
    assert the_move(paged.lead).detail == (
        f"The page to Alice Chen was not delivered: {words} (Twilio {code})"
    )
    [receipt_event] = events("page_" + status)
    assert receipt_event.detail == f"Not delivered: {words} (Twilio {code})"
    assert (alice().number_problem is not None) is flagged
    assert alice().sms_opted_out is (code == "21610")


def test_the_reason_shows_on_the_board(client, paged):
    receipt(client, sid_of(paged.page), "undelivered", ErrorCode="30003")

    html = sign_in(client, "coordinator").get("/board").get_data(as_text=True)

    assert "The page to Alice Chen was not delivered: handset unreachable" in html


@pytest.mark.parametrize("code", ["30005", "30006", "21614"])
def test_a_number_that_cannot_take_pages_is_flagged_for_the_manager(client, paged, code):
    receipt(client, sid_of(paged.page), "undelivered", ErrorCode=code)

    flagged = alice()
    assert flagged.number_problem.endswith(f"(Twilio {code})")
    [change] = db.session.scalars(select(ManagerChange)).all()
    assert change.kind == "number_problem" and "Alice Chen's mobile" in change.detail
    html = sign_in(client, "manager").get("/manager/salespeople").get_data(as_text=True)
    assert html.count("data-number-problem") == 1
    assert f"Pages fail: {flagged.number_problem}" in html


def test_a_new_mobile_clears_the_flag(client, paged):
    receipt(client, sid_of(paged.page), "undelivered", ErrorCode="30005")
    manager = sign_in(client, "manager")

    manager.post(
        f"/manager/salespeople/{alice().id}",
        data={"name": "Alice Chen", "mobile": "(202) 555-0131", "skills": "listing", "active": "y"},
    )

    assert alice().number_problem is None


def test_twilios_opt_out_list_is_honoured_like_a_stop(client, office, paged):
    receipt(client, sid_of(paged.page), "failed", ErrorCode="21610")

    assert alice().sms_opted_out
    [told] = db.session.scalars(select(ManagerMessage)).all()
    assert told.to_number == MANAGER and "opt-out list" in told.body
    assert f"manager-message-{told.id}" in queue().get_job_ids()
    assert new_lead(office).assignments[-1].salesperson.name != "Alice Chen"


def test_an_unknown_code_still_moves_the_lead_on_without_a_flag(client, paged):
    receipt(client, sid_of(paged.page), "undelivered", ErrorCode="30008")

    assert state(paged) == ("failed", "open")
    assert the_move(paged.lead).detail.endswith("was not delivered: Twilio error 30008")
    assert alice().number_problem is None


def test_the_same_failed_receipt_twice_moves_the_lead_once(client, paged):
    params = receipt_params(sid_of(paged.page), "undelivered", ErrorCode="30003")

    post_signed(client, "/twilio/status", params)
    post_signed(client, "/twilio/status", params)

    assert len(pages_of(paged.lead)) == 2
    assert len(events("failed")) == 1 and len(events("page_undelivered")) == 1


def test_a_failure_after_the_acknowledgement_moves_nothing(client, paged):
    pages.acknowledge_page(session=db.session, page_id=paged.page, now=_now(), by="sms")
    db.session.commit()

    receipt(client, sid_of(paged.page), "undelivered", ErrorCode="30005")

    assert state(paged) == ("acknowledged", "acknowledged")
    assert len(pages_of(paged.lead)) == 1
    assert alice().number_problem is not None  # the number is still wrong


def test_a_failure_after_the_deadline_moved_the_lead_moves_it_no_further(client, paged):
    page = db.session.get(Page, paged.page)
    pages.handle_deadline(
        session=db.session,
        page_id=page.id,
        now=page.deadline_at + timedelta(seconds=1),
        deadline_seconds=300,
    )
    db.session.commit()

    receipt(client, sid_of(paged.page), "undelivered", ErrorCode="30003")

    assert state(paged) == ("missed", "open")
    assert len(pages_of(paged.lead)) == 2


def test_a_failed_page_to_a_caller_who_asked_for_them_goes_to_the_manager(client, office):
    ids = paged_lead(office, asked_for_id=person("Alice Chen").id)

    receipt(client, sid_of(ids.page), "undelivered", ErrorCode="30003")

    _, manager_page = pages_of(ids.lead)
    assert (manager_page.state, manager_page.to_number) == ("notify", MANAGER)
    assert "could not be reached by SMS" in manager_page.assignment.reason
    assert db.session.get(Lead, ids.lead).state == "manager"


def test_a_failed_page_to_the_manager_moves_nothing(client, office):
    ids = paged_lead(office, asked_for_id=person("Alice Chen").id)
    receipt(client, sid_of(ids.page), "undelivered", ErrorCode="30003")
    manager_page_id = pages_of(ids.lead)[1].id
    db.session.commit()  # the job has its own session: this one must not hold SQLite's lock
    assert jobs.send_page(manager_page_id) == "sent"

    receipt(client, sid_of(manager_page_id), "failed", ErrorCode="30003", To=MANAGER)

    assert len(pages_of(ids.lead)) == 2


def test_a_forged_failure_is_refused_and_moves_nothing(client, paged):
    params = receipt_params(sid_of(paged.page), "failed", ErrorCode="30003")

    response = post_signed(client, "/twilio/status", params, token="f" * 32)

    assert response.status_code == 403
    assert state(paged) == ("open", "open")


# -- the same codes from the API when sending ----------------------------------------------


@pytest.mark.parametrize(("code", "words", "flagged"), CODES)
def test_the_same_codes_when_sending_do_the_same(office, twilio_stub, code, words, flagged):
    lead = new_lead(office)
    first = pages_of(lead.id)[0].id
    db.session.commit()
    twilio_stub.fail_next(code=int(code))

    assert jobs.send_page(first) == "failed"

    failed, nxt = pages_of(lead.id)
    assert failed.state == "failed" and failed.send_error.startswith(f"{words} (Twilio {code})")
    assert (nxt.state, nxt.salesperson.name) == ("open", "Bruno Diaz")
    assert f"send-{nxt.id}-0" in queue().get_job_ids()
    assert the_move(lead.id).detail.startswith(
        f"The page to Alice Chen could not be sent: {words} (Twilio {code})"
    )
    assert (alice().number_problem is not None) is flagged
    assert alice().sms_opted_out is (code == "21610")
    if code == "21610":
        [told] = db.session.scalars(select(ManagerMessage)).all()
        assert f"manager-message-{told.id}" in queue().get_job_ids()
    assert count(Page) == 2


def _now():
    from dispatcher.clock import utcnow

    return utcnow()


def test_receipts_name_no_client(client, paged):
    """The reason in words is about the salesperson's phone, never the client."""
    receipt(client, sid_of(paged.page), "undelivered", ErrorCode="30003")

    for event in db.session.scalars(select(LeadEvent)):
        assert "Example" not in event.detail and "0188" not in event.detail
    assert ALICE not in the_move(paged.lead).detail
