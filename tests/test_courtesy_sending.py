"""Courtesy messages written when due and sent once (S1-S4): through the send job and
the outbox, with the clock injected; a client who stopped, a template not approved, the
quiet hours, a hold, and a worker that dies between its claim and the send."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from dispatcher.courtesy import planning
from dispatcher.courtesy.sending import CourtesySending
from dispatcher.extensions import db
from dispatcher.models import CourtesyMessage, OutboxMessage
from dispatcher.sms import outbound, sms_transport
from routing.courtesy import local_day
from tests.courtesy_records import BIRTHDAY, MORNING, a_client, a_template
from tests.factories import CLAIM_TIMEOUT, count
from workers import jobs, sweeper


@pytest.fixture
def at(monkeypatch):
    """Set the send job's and the sweeper's clock (naive UTC)."""

    def set_to(moment):
        monkeypatch.setattr("workers.jobs.utcnow", lambda: moment)
        monkeypatch.setattr("workers.sweeper.utcnow", lambda: moment)

    return set_to


# 10:20 office time: with the 15 minutes' lookahead, all of the 10:00-10:30 window is due.
DUE = MORNING + timedelta(minutes=30)


def written(office, now=DUE):
    rows = planning.write_due(db.session, office, now)
    db.session.commit()
    return rows


def the_row() -> CourtesyMessage:
    return db.session.scalar(select(CourtesyMessage))


def sent_bodies() -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.body)))


def test_a_birthday_greeting_is_written_once_in_its_window_and_sent_once(office, at):
    client = a_client(office, birthday=BIRTHDAY)
    a_template(office)
    assert written(office, MORNING - timedelta(minutes=20)) == []  # 09:30: not yet
    (row_id, send_at), = written(office)
    assert written(office) == []  # planned again: nothing more
    local = send_at - timedelta(hours=4)  # EDT
    assert time(10) <= local.time() < time(10, 30)
    at(send_at - timedelta(seconds=1))
    assert jobs.send_courtesy(row_id) == "not-sendable"  # never before its minute
    at(send_at)
    assert jobs.send_courtesy(row_id) == "sent"
    assert jobs.send_courtesy(row_id) == "not-sendable"  # the job run twice
    assert sent_bodies() == ["Happy birthday, Zhang Wei! Alice Chen"]
    row = the_row()
    assert (row.client_id, row.rule, row.occasion) == (client.id, "S1", BIRTHDAY.replace(2026))


def test_a_template_not_approved_sends_nothing(office, at):
    a_client(office, birthday=BIRTHDAY)
    template = a_template(office, approved=False)
    assert written(office) == []
    template.approved_at = MORNING
    (row_id, send_at), = written(office)
    template.approved_at = None  # approval taken away (the text was edited) after writing
    db.session.commit()
    at(send_at)
    assert jobs.send_courtesy(row_id) == "closed"
    assert the_row().skipped == "the template is not approved" and sent_bodies() == []
    assert jobs.send_courtesy(row_id) == "not-sendable"


def test_a_client_who_stopped_gets_nothing(office, at):
    stopped = a_client(office, birthday=BIRTHDAY, courtesy_opted_out=True)
    a_template(office)
    assert written(office) == []
    stopped.courtesy_opted_out = False
    (row_id, send_at), = written(office)
    stopped.courtesy_opted_out = True  # texted STOP after the message was written
    db.session.commit()
    at(send_at)
    assert jobs.send_courtesy(row_id) == "closed"
    assert the_row().skipped == "the client texted STOP" and sent_bodies() == []


def test_a_held_template_or_message_sends_nothing(office, at):
    a_client(office, birthday=BIRTHDAY)
    template = a_template(office)
    template.held = True
    assert written(office) == []
    template.held = False
    (item,) = planning.upcoming(db.session, office, MORNING)
    assert (item.client_name, item.send.rule, item.status) == ("Zhang Wei", "S1", "planned")
    s = item.send
    assert planning.hold_message(
        db.session, office, client_id=s.client_id, template_id=s.template_id,
        occasion=s.occasion, hold=True, now=MORNING,
    )
    assert written(office) == []  # the held row is there: nothing new to queue
    at(s.send_at + timedelta(minutes=5))
    assert sweeper.courtesy_round()["late_sent"] == 0
    assert sent_bodies() == []
    assert planning.upcoming(db.session, office, MORNING)[0].status == "held"


def test_quiet_hours_put_a_message_off_to_their_end(office, at):
    a_client(office, birthday=BIRTHDAY)
    a_template(office)
    (row_id, send_at), = written(office)
    office.quiet_hours = "10:00-11:00"  # set after the message was written
    db.session.commit()
    at(send_at)
    assert jobs.send_courtesy(row_id) == "put off"
    row = the_row()
    assert row.send_at == MORNING.replace(hour=15, minute=0) and sent_bodies() == []
    at(row.send_at)
    assert jobs.send_courtesy(row_id) == "sent"


def test_a_worker_killed_between_its_claim_and_the_send_sends_no_duplicate(office, at):
    a_client(office, birthday=BIRTHDAY)
    a_template(office)
    (row_id, send_at), = written(office)
    kind = CourtesySending(clock=lambda: send_at)
    assert outbound.claim(
        kind, session=db.session, row_id=row_id, now=send_at, claim_timeout=CLAIM_TIMEOUT
    )
    db.session.commit()  # the claim is committed, then the worker dies
    at(send_at + timedelta(seconds=5))
    assert jobs.send_courtesy(row_id) == "not-sendable"  # a fresh claim is still its own
    at(send_at + CLAIM_TIMEOUT + timedelta(seconds=1))
    assert jobs.send_courtesy(row_id) == "sent"  # its claim is stale: sent, once
    assert len(sent_bodies()) == 1


def test_a_worker_killed_after_the_send_but_before_its_record_sends_no_duplicate(office, at):
    a_client(office, birthday=BIRTHDAY)
    a_template(office)
    (row_id, send_at), = written(office)
    kind = CourtesySending(clock=lambda: send_at)
    row = outbound.claim(
        kind, session=db.session, row_id=row_id, now=send_at, claim_timeout=CLAIM_TIMEOUT
    )
    sms_transport().send_sms(row.to_number, row.body)  # reached the carrier...
    db.session.commit()  # ...and the worker died before recording it
    at(send_at + CLAIM_TIMEOUT + timedelta(seconds=1))
    assert jobs.send_courtesy(row_id) == "found"
    assert len(sent_bodies()) == 1 and the_row().sent_at is not None


# One sending thread: the test's one database connection cannot serve two at once.
@pytest.mark.settings(SWEEP_THREADS=1)
def test_the_clock_process_writes_queues_and_catches_up(office, at, app):
    a_client(office, birthday=BIRTHDAY)
    a_client(office, name="Li Na", phone="+12025550162", birthday=BIRTHDAY)
    a_template(office)
    db.session.commit()
    at(MORNING - timedelta(minutes=20))  # 09:30: nothing due within the lookahead yet
    assert sweeper.courtesy_round()["planned"] == 0
    at(DUE)
    first = sweeper.courtesy_round()
    assert first["planned"] == 2
    queued = app.extensions["rq_queue"].scheduled_job_registry.get_job_ids()
    rows = db.session.scalars(select(CourtesyMessage.id))
    assert sorted(queued) == sorted(f"courtesy-{row_id}" for row_id in rows)
    # No worker ran the jobs: the sweeper sends what is past its minute by the grace.
    at(MORNING + timedelta(minutes=45))
    second = sweeper.courtesy_round()
    assert second["planned"] == 0  # a restart plans nothing twice
    assert first["late_sent"] + second["late_sent"] == 2
    assert count(OutboxMessage) == 2
    assert sweeper.courtesy_round() == {"planned": 0, "surveys": 0, "late_sent": 0}


def test_a_signing_reminder_is_dropped_once_the_contract_is_signed(office, at):
    subscribed = MORNING - timedelta(days=5)
    client = a_client(office, stage="intending", subscribed_at=subscribed)
    a_template(office, kind="signing_reminder", body="Please sign by {date}")
    assert local_day(subscribed, office.timezone) == MORNING.date() - timedelta(days=5)
    (row_id, send_at), = written(office, MORNING.replace(hour=20, minute=20))
    client.contract_signed_at = send_at - timedelta(minutes=1)
    db.session.commit()
    at(send_at)
    assert jobs.send_courtesy(row_id) == "closed"
    assert the_row().skipped == "the contract is signed"
