"""Salespeople's SMS words, signed as Twilio signs them: OK with or without the details,
NO / PASS, DONE with each outcome, HELP, STOP and Twilio's other opt-out words, START;
repeats of the same MessageSid; unknown numbers; the database away."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.clients.registry import known_clients
from dispatcher.extensions import db
from dispatcher.models import InboundMessage, Lead, ManagerChange, ManagerMessage, Page
from dispatcher.pages import service as pages
from dispatcher.pages.replies import DONE_HELP, UNKNOWN_NUMBER_REPLY
from dispatcher.queue import queue
from routing import RULE_OWNER
from tests.factories import T0, new_lead, paged_lead, person
from tests.webhook_helpers import (
    BRUNO,
    MANAGER,
    STRANGER,
    count,
    events,
    pages_of,
    post_signed,
    reply_text,
    sms_params,
    state,
    text_sms,
)
from workers import jobs

pytestmark = pytest.mark.twilio


def queued() -> list[str]:
    return queue().get_job_ids()


def alice():
    db.session.expire_all()
    return person("Alice Chen")


# -- OK ---------------------------------------------------------------------------


def test_ok_tells_them_to_call_the_office_for_the_details(client, paged):
    answer = reply_text(text_sms(client, "OK"))

    assert f"Ref {paged.lead} is yours. Call the office for the client's details." in answer
    assert f"reply DONE {paged.lead}" in answer
    assert "Example" not in answer and "0188" not in answer


@pytest.mark.parametrize("settings", [{"ACK_REPLY_INCLUDES_DETAILS": True}], indirect=True)
def test_the_office_may_allow_the_details_in_the_ok_reply(client, office):
    ids = paged_lead(office, listing="L-1001")

    answer = reply_text(text_sms(client, "OK"))

    assert f"Ref {ids.lead} is yours." in answer
    assert "Mrs Example, +12025550188, a buyer, about 12 Elm St" in answer
    assert state(ids) == ("acknowledged", "acknowledged")


# -- NO / PASS ----------------------------------------------------------------------


@pytest.mark.parametrize("body", ["NO", "pass", "NO {ref}", "PASS #{ref}"])
def test_no_or_pass_gives_the_lead_to_the_next_salesperson_now(client, paged, body):
    response = text_sms(client, body.format(ref=paged.lead))

    assert reply_text(response) == f"Ref {paged.lead} is passed on to a colleague."
    assert state(paged) == ("declined", "open")
    first, second = pages_of(paged.lead)
    assert second.salesperson.name == "Bruno Diaz" and second.state == "open"
    assert f"send-{second.id}-0" in queued()  # queued after the commit, not at the deadline
    [declined] = events("declined")
    word = body.split()[0].upper()  # issue 15: the word sent, PASS or NO
    assert declined.detail == f"Alice Chen passed (replied {word} by SMS)"
    assert events("missed") == []  # a pass is no miss: no notice in the mailbox


def test_a_pass_on_a_caller_who_asked_for_them_goes_to_the_manager(client, office):
    ids = paged_lead(office, asked_for_id=person("Alice Chen").id)

    text_sms(client, "NO")

    _, manager_page = pages_of(ids.lead)
    assert (manager_page.state, manager_page.to_number) == ("notify", MANAGER)
    assert db.session.get(Lead, ids.lead).state == "manager"
    assert "was asked for by name and passed" in manager_page.assignment.reason


def test_no_with_nothing_open_changes_nothing(client, paged):
    assert reply_text(text_sms(client, f"NO {paged.lead + 1}")) == (
        f"You have no open page with Ref {paged.lead + 1}."
    )
    assert reply_text(text_sms(client, "NO", sender=BRUNO)) == "You have no open page to pass on."
    assert state(paged) == ("open", "open")


def test_no_after_the_deadline_is_told_it_went_to_someone_else(client, paged):
    page = db.session.get(Page, paged.page)
    pages.handle_deadline(
        session=db.session,
        page_id=page.id,
        now=page.deadline_at + timedelta(seconds=1),
        deadline_seconds=300,
    )
    db.session.commit()

    answer = reply_text(text_sms(client, f"NO {paged.lead}"))

    assert answer == f"You have no open page with Ref {paged.lead}."
    assert len(pages_of(paged.lead)) == 2  # reassigned once, by the deadline only


def test_the_same_no_delivered_twice_passes_once(client, paged):
    params = sms_params("NO")

    first = post_signed(client, "/twilio/sms", params)
    again = post_signed(client, "/twilio/sms", params)

    assert reply_text(again) == reply_text(first)
    assert len(pages_of(paged.lead)) == 2 and len(events("declined")) == 1


# -- DONE ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "outcome", "said"),
    [
        ("appointment set", "appointment_set", "appointment set"),
        ("listing appointment", "listing_appointment", "listing appointment"),
        ("not interested", "not_interested", "not interested"),
        ("wrong number", "wrong_number", "wrong number"),
        ("no answer", "no_answer", "no answer"),
        ("other", "other", "other"),
    ],
)
def test_done_records_the_outcome_of_the_call_back(client, paged, words, outcome, said):
    text_sms(client, "OK")

    answer = reply_text(text_sms(client, f"DONE {paged.lead} {words}"))

    assert answer == f"Thanks: Ref {paged.lead}, {said}, recorded."
    db.session.expire_all()
    lead = db.session.get(Lead, paged.lead)
    assert (lead.outcome, lead.outcome_by.name) == (outcome, "Alice Chen")
    assert lead.outcome_at is not None
    [event] = events("outcome")
    assert (event.detail, event.actor) == (f"Alice Chen reported: {said}", "Alice Chen")


def test_done_on_a_page_still_open_acknowledges_it_first(client, paged):
    text_sms(client, f"DONE {paged.lead} no answer")

    assert state(paged) == ("acknowledged", "acknowledged")
    assert db.session.get(Lead, paged.lead).outcome == "no_answer"


def test_a_second_report_replaces_the_first_and_both_stay_on_the_timeline(client, paged):
    text_sms(client, f"DONE {paged.lead} no answer")
    text_sms(client, f"DONE {paged.lead} appointment set")

    db.session.expire_all()
    assert db.session.get(Lead, paged.lead).outcome == "appointment_set"
    assert [e.detail for e in events("outcome")] == [
        "Alice Chen reported: no answer",
        "Alice Chen reported: appointment set",
    ]


@pytest.mark.parametrize(
    "body", ["DONE", "DONE appointment set", "DONE {ref}", "DONE {ref} she bought elsewhere"]
)
def test_a_done_not_understood_explains_and_changes_nothing(client, paged, body):
    text_sms(client, "OK")

    answer = reply_text(text_sms(client, body.format(ref=paged.lead)))

    assert answer == DONE_HELP
    assert "appointment set, listing appointment, not interested" in answer
    assert db.session.get(Lead, paged.lead).outcome is None


def test_nobody_reports_on_a_lead_that_is_not_theirs(client, paged):
    answer = reply_text(text_sms(client, f"DONE {paged.lead} appointment set", sender=BRUNO))

    assert answer == f"Ref {paged.lead} is not yours to report on."
    assert state(paged) == ("open", "open")
    assert events("outcome") == []


def test_an_outcome_report_is_a_later_last_contact_for_ownership(client, office, monkeypatch):
    """O6: ownership lapses 20 days after the last contact; a report counts as one."""
    first = paged_lead(office, now=T0)
    pages.acknowledge_page(session=db.session, page_id=first.page, now=T0, by="sms")
    db.session.commit()
    [before] = known_clients(db.session, office=office, phones=["+12025550188"], now=T0)
    assert before.last_contact_at == T0
    reported_at = T0 + timedelta(days=15)
    monkeypatch.setattr("callbacks.sms.utcnow", lambda: reported_at)

    text_sms(client, f"DONE {first.lead} appointment set")

    [after] = known_clients(db.session, office=office, phones=["+12025550188"], now=reported_at)
    assert (after.owner_id, after.last_contact_at) == (person("Alice Chen").id, reported_at)
    # 25 days after the acknowledgement, 10 after the report: still Alice's client.
    again = new_lead(office, now=T0 + timedelta(days=25))
    assert again.assignments[-1].rule == RULE_OWNER
    assert again.assignments[-1].salesperson.name == "Alice Chen"


def test_without_a_report_ownership_lapses_from_the_acknowledgement(client, office):
    first = paged_lead(office, now=T0)
    pages.acknowledge_page(session=db.session, page_id=first.page, now=T0, by="sms")
    db.session.commit()

    again = new_lead(office, now=T0 + timedelta(days=25))

    assert again.assignments[-1].rule != RULE_OWNER


# -- HELP, anything else, unknown numbers --------------------------------------------


def test_help_lists_every_word(client, paged):
    answer = reply_text(text_sms(client, "HELP"))

    for word in ("OK", "NO", "PASS", "DONE", "STOP", "START"):
        assert word in answer
    assert len("Sorry, not understood. " + answer) <= 320
    assert state(paged) == ("open", "open")


def test_an_unknown_number_gets_a_polite_reply_logged_without_the_body(client, paged, caplog):
    caplog.set_level(logging.DEBUG)
    body = "Hi, Zebulon here, my number is 202 555 0143"

    answer = reply_text(text_sms(client, body, sender=STRANGER))

    assert answer == UNKNOWN_NUMBER_REPLY
    assert state(paged) == ("open", "open")
    assert db.session.scalar(select(InboundMessage)).outcome == "unknown_number"
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "Zebulon" not in logged and "0143" not in logged and STRANGER not in logged


# -- STOP and START ---------------------------------------------------------------------


def manager_messages() -> list[ManagerMessage]:
    return list(db.session.scalars(select(ManagerMessage).order_by(ManagerMessage.id)))


@pytest.mark.parametrize(
    ("body", "extra"),
    [
        *[
            (word, {})
            for word in (
                "STOP",
                "stop",
                "STOPALL",
                "UNSUBSCRIBE",
                "END",
                "QUIT",
                "REVOKE",
                "OPTOUT",
                "CANCEL",
            )
        ],
        ("Stop please", {"OptOutType": "STOP"}),
    ],
)
def test_stop_marks_them_unreachable_tells_the_manager_and_routing_skips_them(
    client, office, body, extra
):
    response = post_signed(client, "/twilio/sms", sms_params(body, **extra))

    assert response.status_code == 200
    assert reply_text(response) == ""  # Twilio answers STOP itself
    assert alice().sms_opted_out and alice().sms_opted_out_at is not None
    [change] = db.session.scalars(select(ManagerChange)).all()
    assert (change.kind, change.actor) == ("sms_opt_out", "Alice Chen")
    [told] = manager_messages()
    assert told.to_number == MANAGER and "Alice Chen texted STOP" in told.body
    assert f"manager-message-{told.id}" in queued()
    # The next lead skips Alice, first in the rotation.
    assert new_lead(office).assignments[-1].salesperson.name == "Bruno Diaz"


def test_the_managers_message_goes_out_once_through_twilio(client, office, twilio_stub):
    text_sms(client, "STOP")
    [told] = manager_messages()
    told_id, body = told.id, told.body
    db.session.commit()  # the job has its own session: this one must not hold SQLite's lock

    assert jobs.send_manager_message(told_id) == "sent"
    assert jobs.send_manager_message(told_id) == "not-sendable"

    [sms] = twilio_stub.messages
    assert (sms.to, sms.body) == (MANAGER, body)
    assert db.session.get(ManagerMessage, told_id).message_sid == sms.sid


def test_a_second_stop_tells_nobody_again(client, office):
    text_sms(client, "STOP")
    text_sms(client, "QUIT")

    assert len(manager_messages()) == 1 and count(ManagerChange) == 1


def test_the_same_stop_delivered_twice_acts_once(client, office):
    params = sms_params("STOP")

    post_signed(client, "/twilio/sms", params)
    post_signed(client, "/twilio/sms", params)

    assert len(manager_messages()) == 1 and count(InboundMessage) == 1


def test_the_manager_page_shows_who_opted_out(client, office):
    text_sms(client, "STOP")
    from tests.app_setup import sign_in

    html = sign_in(client, "manager").get("/manager/salespeople").get_data(as_text=True)

    assert "gets no pages until they text START" in html
    assert html.count("data-opted-out") == 1


@pytest.mark.parametrize(("body", "extra"), [("START", {}), ("UNSTOP", {}), ("YES", {})])
def test_start_brings_them_back(client, office, body, extra):
    text_sms(client, "STOP")

    answer = reply_text(post_signed(client, "/twilio/sms", sms_params(body, **extra)))

    assert answer == "You will get pages again."
    assert not alice().sms_opted_out
    assert [c.kind for c in db.session.scalars(select(ManagerChange))] == [
        "sms_opt_out",
        "sms_opt_in",
    ]
    assert "Alice Chen texted START" in manager_messages()[-1].body
    assert new_lead(office).assignments[-1].salesperson.name == "Alice Chen"


def test_yes_from_someone_who_never_opted_out_is_an_ok(client, paged):
    text_sms(client, "YES")

    assert state(paged) == ("acknowledged", "acknowledged")
    assert count(ManagerChange) == 0


def test_start_by_opt_out_type_whatever_the_body(client, office):
    text_sms(client, "STOP")

    post_signed(client, "/twilio/sms", sms_params("hello again", OptOutType="START"))

    assert not alice().sms_opted_out


def test_the_sweeper_sends_a_managers_message_the_queue_lost(client, office, twilio_stub):
    from workers.sweeper import sweep_once

    text_sms(client, "STOP")
    queue().empty()  # the job is lost
    [told] = manager_messages()
    told.created_at -= timedelta(seconds=60)
    db.session.commit()

    sweep_once()

    [sms] = twilio_stub.messages
    assert sms.to == MANAGER and "texted STOP" in sms.body
    sweep_once()
    assert len(twilio_stub.messages) == 1
