"""Issue 15, items 1, 3 and 5: SMS replies that cannot be misread, signed as Twilio signs
them. A bare OK or NO acts only when one page is open; with several it names them; a
reply soon after a page was taken says so first and takes no other page; the one whose
page was taken gets an SMS that says where the lead went, in true words; PASS is
recorded as PASS; TURN tells a salesperson their place in the rotation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from dispatcher.clock import local_time, utcnow
from dispatcher.extensions import db
from dispatcher.models import ManagerMessage, Notice, Page
from dispatcher.pages import service as pages
from dispatcher.pages.replies import HELP_TEXT, REPLY_LIMIT
from dispatcher.queue import queue
from tests.factories import new_lead, paged_lead, person
from tests.webhook_helpers import (
    ALICE,
    BRUNO,
    events,
    receipt,
    reply_text,
    state,
    text_sms,
)
from workers import jobs

pytestmark = pytest.mark.twilio


@pytest.fixture
def reply_at(monkeypatch):
    """Set the time the SMS webhook reads (UTC, naive)."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr("callbacks.sms.utcnow", lambda: moment)

    return set_to


def for_alice(office):
    """A page out to Alice now: asked for by name (a miss goes to the manager)."""
    return paged_lead(office, now=utcnow(), asked_for_id=person("Alice Chen").id)


def her_listing(office):
    """A page out to Alice now, the listing agent of L-1001 (a miss goes to a colleague)."""
    return paged_lead(office, now=utcnow(), listing="L-1001")


def miss(paged) -> datetime:
    """The page's deadline passes; when it was taken from them."""
    page = db.session.get(Page, paged.page)
    at = page.deadline_at + timedelta(seconds=1)
    outcome = pages.handle_deadline(
        session=db.session, page_id=page.id, now=at, deadline_seconds=300
    )
    db.session.commit()
    assert outcome.action == "reassigned"
    return at


def office_clock(moment: datetime) -> str:
    return local_time(moment, "America/New_York").strftime("%H:%M")


def messages_to(number: str) -> list[ManagerMessage]:
    db.session.expire_all()
    query = select(ManagerMessage).where(ManagerMessage.to_number == number)
    return list(db.session.scalars(query.order_by(ManagerMessage.id)))


# -- several open pages ---------------------------------------------------------------


def test_a_bare_ok_with_two_open_pages_takes_neither_and_names_both(client, office):
    first, second = for_alice(office), for_alice(office)

    answer = reply_text(text_sms(client, "OK"))

    assert answer == (
        f"You have Ref {first.lead} and Ref {second.lead} open. "
        f"Reply OK {first.lead}, OK {second.lead} or OK ALL."
    )
    assert state(first)[0] == "open" and state(second)[0] == "open"


def test_ok_all_takes_every_open_page(client, office):
    first, second = for_alice(office), for_alice(office)

    answer = reply_text(text_sms(client, "ok all"))

    assert f"Ref {first.lead} and Ref {second.lead} are yours." in answer
    assert "Mrs Example" not in answer  # C4: the details come by call
    assert state(first)[0] == "acknowledged" and state(second)[0] == "acknowledged"


def test_a_bare_no_with_two_open_pages_passes_neither_and_asks_which(client, office):
    first, second = for_alice(office), for_alice(office)

    answer = reply_text(text_sms(client, "NO"))

    assert answer == (
        f"You have Ref {first.lead} and Ref {second.lead} open. "
        f"Reply NO {first.lead} or NO {second.lead}."
    )
    assert state(first)[0] == "open" and state(second)[0] == "open"
    assert events("declined") == []


def test_a_bare_ok_with_one_open_page_takes_it(client, office):
    only = for_alice(office)

    assert f"Ref {only.lead} is yours." in reply_text(text_sms(client, "OK"))
    assert state(only)[0] == "acknowledged"


# -- a reply soon after a page was taken ------------------------------------------------


def test_a_late_ok_says_the_lead_has_gone_and_takes_no_other(client, office, reply_at):
    """Issue 15, item 1: Alice has Ref 8 and Ref 9; Ref 9 goes to a colleague; her OK to
    the Ref 9 text used to take Ref 8."""
    eight, nine = for_alice(office), her_listing(office)
    taken_at = miss(nine)
    reply_at(taken_at + timedelta(minutes=2))

    answer = reply_text(text_sms(client, "OK"))

    assert answer.startswith(
        f"Ref {nine.lead} went to a colleague at {office_clock(taken_at)}, no reply in 5 min."
    )
    assert f"You still have Ref {eight.lead} open: reply OK {eight.lead} to take it." in answer
    assert state(eight)[0] == "open"
    assert events("acknowledged") == []


def test_a_late_ok_that_names_the_other_page_takes_it(client, office, reply_at):
    eight, nine = for_alice(office), her_listing(office)
    taken_at = miss(nine)
    reply_at(taken_at + timedelta(minutes=2))

    assert f"Ref {eight.lead} is yours." in reply_text(text_sms(client, f"OK {eight.lead}"))
    assert state(eight)[0] == "acknowledged"


def test_a_late_no_passes_nothing(client, office, reply_at):
    eight, nine = for_alice(office), her_listing(office)
    taken_at = miss(nine)
    reply_at(taken_at + timedelta(minutes=2))

    answer = reply_text(text_sms(client, "NO"))

    assert answer.startswith(f"Ref {nine.lead} went to a colleague")
    assert state(eight)[0] == "open"


@pytest.mark.parametrize("settings", [{"LATE_REPLY_MINUTES": 10}], indirect=True)
def test_after_the_late_reply_time_a_bare_ok_takes_the_one_open_page(client, office, reply_at):
    eight, nine = for_alice(office), her_listing(office)
    taken_at = miss(nine)
    reply_at(taken_at + timedelta(minutes=11))

    assert f"Ref {eight.lead} is yours." in reply_text(text_sms(client, "OK"))
    assert state(eight)[0] == "acknowledged"


def test_an_ok_naming_the_taken_page_says_where_it_went(client, office, reply_at):
    nine = her_listing(office)
    taken_at = miss(nine)
    reply_at(taken_at + timedelta(minutes=30))

    answer = reply_text(text_sms(client, f"OK {nine.lead}"))

    assert answer.startswith(
        f"Ref {nine.lead} went to a colleague at {office_clock(taken_at)}, no reply in 5 min."
    )
    assert "someone else" not in answer


# -- item 5: where it went, in true words ----------------------------------------------


def test_a_lead_that_went_to_the_manager_is_never_said_to_have_gone_to_someone_else(
    client, office, reply_at
):
    nine = for_alice(office)  # asked for by name: after a miss the manager decides
    taken_at = miss(nine)
    reply_at(taken_at + timedelta(minutes=1))

    answer = reply_text(text_sms(client, "OK"))

    assert answer.startswith(f"Ref {nine.lead} went to the manager at {office_clock(taken_at)}")
    [notice] = db.session.scalars(select(Notice)).all()
    assert "the client was given to the manager" in notice.body
    [told] = messages_to(ALICE)
    assert "went to the manager" in told.body
    assert "someone else" not in answer + notice.body + told.body


def test_the_notice_of_a_lead_that_went_to_a_colleague_says_so(client, office):
    miss(her_listing(office))

    [notice] = db.session.scalars(select(Notice)).all()
    assert "the client was given to a colleague" in notice.body


# -- the SMS when a page is taken ---------------------------------------------------------


def test_a_missed_page_is_told_by_sms_after_the_commit(client, office, twilio_stub):
    nine = her_listing(office)
    taken_at = miss(nine)

    [told] = messages_to(ALICE)
    assert told.body == (
        f"Ref {nine.lead} went to a colleague at {office_clock(taken_at)}, no reply in 5 min. "
        "A notice is in your mailbox."
    )
    told_id, body = told.id, told.body
    assert f"manager-message-{told_id}" in queue().get_job_ids()
    db.session.commit()  # the job has its own session: this one must not hold SQLite's lock
    assert jobs.send_manager_message(told_id) == "sent"
    assert [m.body for m in twilio_stub.messages if m.to == ALICE][-1] == body


@pytest.mark.parametrize("settings", [{"TAKEN_PAGE_SMS": False}], indirect=True)
def test_the_office_may_turn_the_sms_off(client, office):
    miss(her_listing(office))

    assert messages_to(ALICE) == []
    assert len(db.session.scalars(select(Notice)).all()) == 1  # the mailbox notice stays


def test_an_undelivered_page_is_told_by_sms_when_the_number_can_receive(client, office):
    nine = her_listing(office)
    sid = db.session.get(Page, nine.page).message_sid

    receipt(client, sid, "undelivered", ErrorCode="30003")

    assert state(nine)[0] == "failed"
    [told] = messages_to(ALICE)
    assert f"Ref {nine.lead} went to a colleague" in told.body
    assert "could not reach your phone" in told.body


def test_a_page_to_a_bad_number_sends_no_sms_there(client, office):
    nine = her_listing(office)
    sid = db.session.get(Page, nine.page).message_sid

    receipt(client, sid, "undelivered", ErrorCode="30005")  # unknown handset

    assert state(nine)[0] == "failed"
    assert messages_to(ALICE) == []


def test_a_pass_is_not_told_by_sms(client, office):
    nine = her_listing(office)

    text_sms(client, f"PASS {nine.lead}")

    assert messages_to(ALICE) == []


# -- item 3: the word sent, and TURN -------------------------------------------------


@pytest.mark.parametrize("word", ["PASS", "NO"])
def test_the_word_sent_is_recorded(client, office, word):
    nine = her_listing(office)

    text_sms(client, f"{word.lower()} {nine.lead}")

    [declined] = events("declined")
    assert declined.detail == f"Alice Chen passed (replied {word} by SMS)"


def test_turn_tells_the_next_salesperson_they_are_next(client, office):
    answer = reply_text(text_sms(client, "TURN"))

    assert answer.startswith("You are next in the office rotation.")


def test_turn_counts_the_leads_before_yours(client, office):
    new_lead(office)  # Alice's turn
    db.session.commit()

    assert reply_text(text_sms(client, "turn", sender=BRUNO)).startswith(
        "You are next in the office rotation."
    )
    answer = reply_text(text_sms(client, "TURN"))
    # Seven in the demo office, all in: the six others come first.
    assert answer.startswith("You are 7th in the office rotation: 6 leads go to others first.")


def test_turn_tells_of_a_makeup_turn_owed(client, office):
    alice = person("Alice Chen")
    alice.status, alice.makeup_owed = "busy", True
    db.session.commit()

    answer = reply_text(text_sms(client, "TURN"))

    assert "busy" in answer
    assert "You are owed a make-up turn: the first lead you can take when you are back." in answer


def test_help_lists_turn_and_ok_all_and_fits_one_reply(client, office):
    assert "TURN" in HELP_TEXT and "OK ALL" in HELP_TEXT
    assert len("Sorry, not understood. " + HELP_TEXT) <= REPLY_LIMIT


def test_a_rolled_back_reassignment_queues_no_sms(client, office):
    nine = her_listing(office)
    page = db.session.get(Page, nine.page)
    pages.handle_deadline(
        session=db.session,
        page_id=page.id,
        now=page.deadline_at + timedelta(seconds=1),
        deadline_seconds=300,
    )
    db.session.rollback()  # the SMS was written in a transaction that does not commit

    assert messages_to(ALICE) == []
    assert not [job for job in queue().get_job_ids() if job.startswith("manager-message-")]
    db.session.commit()  # a later commit of this session queues nothing either
    assert not [job for job in queue().get_job_ids() if job.startswith("manager-message-")]


def test_turn_for_someone_off_shift(client, office):
    bruno = person("Bruno Diaz")
    bruno.status = "off_shift"
    db.session.commit()

    answer = reply_text(text_sms(client, "TURN", sender=BRUNO))

    assert answer == "You are off shift: the rotation skips you."
