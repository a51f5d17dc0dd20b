"""The backstop: pages that no job sent or checked in time are handled from the
database, so a lost job, a dead scheduler or a Redis outage costs seconds, not a lead."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

from sqlalchemy import select

from dispatcher.calls import not_reached
from dispatcher.clock import utcnow
from dispatcher.courtesy import planning, surveys
from dispatcher.courtesy.sending import overdue
from dispatcher.dashboard.upkeep import refresh_rollups
from dispatcher.extensions import db
from dispatcher.leads import retention
from dispatcher.models import Office
from dispatcher.office import held
from dispatcher.pages import service as pages
from dispatcher.queue import schedule_courtesy
from dispatcher.sms import outbound
from dispatcher.sms.manager_messages import MANAGER_MESSAGES
from dispatcher.unit_of_work import end_read, unit_of_work
from dispatcher.voice import pages as voice_pages
from dispatcher.voice import recording, voice_transport
from workers import jobs
from workers.context import job_app, page_sending, send_claim_timeout

log = logging.getLogger(__name__)

# Old call records are blanked once an hour: the retention is counted in days.
FORGET_EVERY_SECONDS = 3600
# Courtesy messages are planned once a minute (planning.LOOKAHEAD is 15 minutes).
COURTESY_EVERY_SECONDS = 60


def sweep_once() -> dict[str, int]:
    """Send what is waiting too long and reassign what is overdue; counts of each."""
    app = job_app()
    with app.app_context():
        now = utcnow()
        grace = timedelta(seconds=app.config["SWEEP_GRACE_SECONDS"])
        stale = send_claim_timeout(app)
        to_send, for_manager = (
            outbound.waiting(
                kind, session=db.session, now=now, older_than=grace, claim_timeout=stale
            )
            for kind in (page_sending(app), MANAGER_MESSAGES)
        )
        overdue = pages.overdue_pages(session=db.session, now=now, grace=grace)
        to_call = voice_pages.calls_due(
            session=db.session,
            now=now,
            after_seconds=app.config["SMS_THEN_CALL_SECONDS"],
            grace=grace,
        )
        end_read()
    # A few at a time: each waits mostly on Twilio, and after a Redis outage there can be
    # hundreds (one after another, the sweeper ran 15-20 s behind).
    with ThreadPoolExecutor(app.config["SWEEP_THREADS"], "sweeper") as pool:

        def run_all(job, record_ids: list[int]) -> list[str]:
            return list(pool.map(partial(_quietly, app, job), record_ids))

        sent = run_all(jobs.send_page, to_send).count("sent")
        reassigned = run_all(jobs.check_deadline, overdue).count("reassigned")
        # "SMS then a call": the calls whose job was lost (Redis away, a worker killed).
        run_all(jobs.call_page, to_call)
        run_all(jobs.send_manager_message, for_manager)
    if sent or reassigned:
        log.warning("sweeper sent %s and reassigned %s that the queue had not", sent, reassigned)
    return {"sent": sent, "reassigned": reassigned}


def release_held_leads() -> int:
    """Page the next held lead of each office where someone is on duty again (one per
    office, at most one every HELD_LEAD_SPACING_SECONDS: office/held.py)."""
    app = job_app()
    released = 0
    with app.app_context():
        offices = held.offices_holding(session=db.session)
        end_read()
        for office_id in offices:
            with unit_of_work() as work:
                page = held.release_next(
                    session=db.session,
                    office_id=office_id,
                    now=utcnow(),
                    deadline_seconds=app.config["ACK_DEADLINE_SECONDS"],
                    spacing=app.config["HELD_LEAD_SPACING_SECONDS"],
                )
                if page is not False:
                    released += 1
                    work.send(page.id if page is not None else None)
    if released:
        log.info("paged %s held lead(s): someone is on duty", released)
    return released


def _quietly(app, job, record_id: int) -> str:
    """Run one job in the sweeper's app (a thread has no app context of its own)."""
    try:
        with app.app_context():
            return job(record_id)
    except Exception:  # one bad page must not stop the sweep of the others
        log.exception("sweeper could not run %s for %s", job.__name__, record_id)
        return "error"


def forget_old_details() -> int:
    """Blank the callers' numbers and the answers (clients' names and numbers) of the
    call and SMS records older than CALL_RECORD_RETENTION_DAYS; how many."""
    app = job_app()
    with app.app_context(), unit_of_work():
        forgotten = retention.forget_old_details(
            session=db.session,
            now=utcnow(),
            keep_days=app.config["CALL_RECORD_RETENTION_DAYS"],
        )
    if forgotten:
        log.info("blanked the details of %s call and SMS records past retention", forgotten)
    return forgotten


def delete_old_recordings() -> int:
    """Delete at Twilio the call recordings older than RECORDING_RETENTION_DAYS, and
    their links (dispatcher/voice/recording.py); how many."""
    app = job_app()
    with app.app_context(), unit_of_work():
        deleted = recording.delete_expired(
            session=db.session,
            voice=voice_transport(),
            now=utcnow(),
            keep_days=app.config["RECORDING_RETENTION_DAYS"],
        )
    if deleted:
        log.info("deleted %s call recordings past retention", deleted)
    return deleted


def courtesy_round() -> dict[str, int]:
    """Write and queue the courtesy messages due in the next minutes and the surveys due
    (S1-S5), office by office, each office in its own transaction; then send what no job
    sent in time. Counts of each."""
    app = job_app()
    planned = written_surveys = 0
    with app.app_context():
        office_ids = list(db.session.scalars(select(Office.id).order_by(Office.id)))
        end_read()
        for office_id in office_ids:
            now = utcnow()
            with unit_of_work():
                office = db.session.get(Office, office_id)
                written = planning.write_due(db.session, office, now)
                written_surveys += surveys.write_surveys(db.session, office, now)
            for message_id, send_at in written:
                schedule_courtesy(message_id, send_at)
            planned += len(written)
        now = utcnow()
        late = overdue(
            db.session,
            now=now,
            grace=timedelta(seconds=app.config["SWEEP_GRACE_SECONDS"]),
            claim_timeout=send_claim_timeout(app),
        )
        end_read()
    with ThreadPoolExecutor(app.config["SWEEP_THREADS"], "courtesy") as pool:
        sent = list(pool.map(partial(_quietly, app, jobs.send_courtesy), late)).count("sent")
    if planned or written_surveys or sent:
        log.info(
            "courtesy: %s messages queued, %s surveys written, %s late ones sent",
            planned,
            written_surveys,
            sent,
        )
    return {"planned": planned, "surveys": written_surveys, "late_sent": sent}


def reach_round() -> dict[str, int]:
    """The backstop of the reach checks (a job lost with Redis, a dead scheduler): every
    acknowledged lead whose client is not reached and whose step may be due is checked;
    the check does nothing where it is not due or was done."""
    app = job_app()
    with app.app_context():
        due = not_reached.due_pages(
            session=db.session,
            now=utcnow(),
            minutes=app.config["NOT_REACHED_REMINDER_MINUTES"],
        )
        end_read()
    actions = [_quietly(app, jobs.check_not_reached, page_id) for page_id in due]
    return {action: actions.count(action) for action in set(actions)}


def sweep_forever(every_seconds: float) -> None:
    log.info("sweeper running every %s s", every_seconds)
    forgotten_at = None
    courtesy_at = None
    while True:
        if courtesy_at is None or time.monotonic() - courtesy_at >= COURTESY_EVERY_SECONDS:
            try:
                courtesy_round()
                courtesy_at = time.monotonic()
            except Exception:  # the database may be away for a moment; next round
                log.exception("courtesy messages not planned this round")
            try:
                reach_round()  # once a minute too: its steps are counted in minutes
            except Exception:  # next round
                log.exception("reach checks not run this round")
        try:
            sweep_once()
        except Exception:  # the database may be away for a moment; try again next round
            log.exception("sweep failed")
        try:
            release_held_leads()
        except Exception:  # tried again next round
            log.exception("held leads not released this round")
        refresh_rollups(job_app())  # the dashboard's figures for days that are over
        if forgotten_at is None or time.monotonic() - forgotten_at >= FORGET_EVERY_SECONDS:
            try:
                forget_old_details()
                delete_old_recordings()
                forgotten_at = time.monotonic()
            except Exception:  # tried again next round
                log.exception("old call records not blanked this round")
        time.sleep(every_seconds)
