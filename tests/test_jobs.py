"""The RQ jobs through a real Redis, run in-process with SimpleWorker (RQ's own way of
testing): sending, the deadline job's fixed id, early runs and repeated runs."""

from datetime import timedelta

from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads.service import LeadDetails, current_page
from dispatcher.leads.transactions import log_and_page
from dispatcher.models import Notice, OutboxMessage, Page
from dispatcher.queue import queue, schedule_deadline
from workers import jobs


def run_queued_jobs():
    # End this test's transaction first: on SQLite every transaction holds the write
    # lock (BEGIN IMMEDIATE), and the jobs run here in-process with their own session.
    db.session.commit()
    SimpleWorker([queue()], connection=queue().connection).work(burst=True)


def scheduled_ids() -> list[str]:
    return ScheduledJobRegistry(queue=queue()).get_job_ids()


def log_call():
    return log_and_page(
        LeadDetails(caller_phone="202-555-0188", kind="buyer"), user_id=None, actor="test"
    )


def test_logging_a_call_queues_the_page_and_the_worker_sends_it(office):
    lead = log_call()
    assert queue().get_job_ids() == [
        f"send-{current_page(session=db.session, lead_id=lead.id).id}-0"
    ]
    run_queued_jobs()
    db.session.expire_all()
    page = current_page(session=db.session, lead_id=lead.id)
    assert page.sent_at is not None and page.message_sid.startswith("SM")
    sms = db.session.scalar(select(OutboxMessage))
    assert (sms.to_number, sms.body) == (page.to_number, page.body)
    # The deadline check waits in RQ's scheduled registry under the page's fixed id.
    assert scheduled_ids() == [f"reassign-{page.id}"]
    score = ScheduledJobRegistry(queue=queue()).get_scheduled_time(f"reassign-{page.id}")
    # RQ keeps whole seconds; deadlines fall on one, so the job is due exactly then.
    assert page.deadline_at.microsecond == 0
    assert score.replace(tzinfo=None) == page.deadline_at


def test_the_deadline_job_is_queued_once_however_often_asked(office):
    lead = log_call()
    run_queued_jobs()
    page = current_page(session=db.session, lead_id=lead.id)
    for _ in range(1000):
        schedule_deadline(page.id, page.deadline_at)
    assert scheduled_ids() == [f"reassign-{page.id}"]


def test_sending_twice_sends_one_sms(office):
    lead = log_call()
    page_id = current_page(session=db.session, lead_id=lead.id).id
    db.session.commit()
    assert jobs.send_page(page_id) == "sent"
    assert jobs.send_page(page_id) == "not-sendable"
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_an_early_deadline_job_reschedules_itself_and_changes_nothing(office):
    lead = log_call()
    run_queued_jobs()
    page = current_page(session=db.session, lead_id=lead.id)
    # RQ may start the job up to a second early; the stored deadline decides.
    page_id = page.id
    page.deadline_at = utcnow() + timedelta(seconds=0.9)
    db.session.commit()
    assert jobs.check_deadline(page_id) == "early"
    assert db.session.get(Page, page_id).state == "open"
    assert f"reassign-{page_id}-1" in scheduled_ids()


def test_a_deadline_job_run_twice_reassigns_once(office):
    lead = log_call()
    run_queued_jobs()
    page = current_page(session=db.session, lead_id=lead.id)
    page_id = page.id
    page.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert jobs.check_deadline(page_id) == "reassigned"
    assert jobs.check_deadline(page_id) == "nothing"
    assert db.session.scalar(select(func.count(Page.id))) == 2
    assert db.session.scalar(select(func.count(Notice.id))) == 1
    # The same job paged the next salesperson: nothing waits in the queue for it.
    second = current_page(session=db.session, lead_id=lead.id)
    assert second.id != page_id and second.sent_at is not None
    # Only the SMS telling the first salesperson the lead has gone (issue 15) is queued.
    assert [job for job in queue().get_job_ids() if not job.startswith("manager-message-")] == []
    assert f"reassign-{second.id}" in scheduled_ids()


def test_a_call_is_logged_when_redis_is_down_and_the_sweeper_sends_its_page(settings, request):
    settings["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings["SWEEP_GRACE_SECONDS"] = 0
    request.getfixturevalue("office")
    lead = log_call()
    page = current_page(session=db.session, lead_id=lead.id)
    assert page.sent_at is None
    db.session.commit()
    from workers.sweeper import sweep_once

    assert sweep_once() == {"sent": 1, "reassigned": 0}
    assert current_page(session=db.session, lead_id=lead.id).sent_at is not None


def test_deadlines_fall_on_the_next_whole_second_never_sooner():
    from datetime import datetime

    from dispatcher.clock import deadline_after

    sent = datetime(2026, 11, 23, 9, 0, 0, 250_000)
    assert deadline_after(sent, 300) == datetime(2026, 11, 23, 9, 5, 1)
    on_the_second = datetime(2026, 11, 23, 9, 0, 0)
    assert deadline_after(on_the_second, 300) == datetime(2026, 11, 23, 9, 5, 0)


def test_a_due_deadline_check_goes_ahead_of_the_pages_waiting_to_be_sent(app):
    from dispatcher.queue import enqueue_send
    from workers.worker import DispatchWorker

    app.config["SCHEDULER_POLL_SECONDS"] = 0.2
    worker = DispatchWorker([queue()], connection=queue().connection)
    for page_id in (1, 2, 3):
        enqueue_send(page_id)
    schedule_deadline(4242, utcnow() - timedelta(seconds=1))
    # Burst mode takes the scheduler's lock, moves what is due onto the queue, lets go.
    worker._start_scheduler(burst=True)
    assert worker.scheduler.poll_seconds == 0.2
    assert queue().get_job_ids() == ["reassign-4242", "send-1-0", "send-2-0", "send-3-0"]
    assert scheduled_ids() == []


def test_a_page_whose_sender_died_is_sent_once_its_claim_is_older_than_the_setting(app, office):
    from sqlalchemy import update

    from workers.sweeper import sweep_once

    app.config.update(SEND_CLAIM_SECONDS=20, SWEEP_GRACE_SECONDS=0)
    lead = log_call()
    page_id = current_page(session=db.session, lead_id=lead.id).id

    def claimed_ago(seconds: int) -> None:
        # A worker took the page this long ago and died before Twilio answered.
        at = utcnow() - timedelta(seconds=seconds)
        db.session.execute(update(Page).where(Page.id == page_id).values(send_claimed_at=at))
        db.session.commit()

    claimed_ago(15)
    assert sweep_once()["sent"] == 0, "sent while its sender may still be at work"
    claimed_ago(25)
    assert sweep_once()["sent"] == 1
    db.session.expire_all()
    assert db.session.get(Page, page_id).sent_at is not None
