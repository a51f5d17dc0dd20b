"""The RQ jobs. Thin: open the app context, call one service with ids and now, commit,
then queue what follows."""

from __future__ import annotations

import logging

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import ManagerMessage, Page
from dispatcher.services import delivery, manager_messages, pages
from dispatcher.sms import SendFailed, sms_transport
from workers.context import job_app
from workers.scheduling import enqueue_manager_message, enqueue_send, schedule_deadline

log = logging.getLogger(__name__)


def send_page(page_id: int) -> str:
    """Send one page, once. Returns what happened, for the job's result."""
    app = job_app()
    with app.app_context():
        now = utcnow()
        page = pages.claim_send(session=db.session, page_id=page_id, now=now)
        # The claim is committed before Twilio is called, so a second copy of this job
        # (or the sweeper) cannot send the same page while this one is sending.
        db.session.commit()
        if page is None:
            return "not-sendable"
        if page.state == "open" and page.salesperson_id is not None:
            # Re-read just before sending: an ack may have closed the page meanwhile.
            db.session.refresh(page)
            if page.state != "open":
                return "closed"
        to_number, body = page.to_number, page.body
        # End the read transaction before the network call: on SQLite every transaction
        # holds the write lock, and Twilio may take TWILIO_TIMEOUT_SECONDS to answer, which
        # would stall logging calls, webhooks and the sweeper meanwhile.
        db.session.commit()
        try:
            sent = sms_transport().send_sms(to_number, body)
        except SendFailed as error:
            return _after_send_failure(app, page_id, error)
        page = pages.record_sent(
            session=db.session,
            page=page,
            sent=sent,
            now=utcnow(),
            deadline_seconds=app.config["ACK_DEADLINE_SECONDS"],
        )
        db.session.commit()
        if page.state == "open":
            schedule_deadline(page.id, page.deadline_at)
        return "sent"


def _after_send_failure(app, page_id: int, error: SendFailed) -> str:
    """Record the failure; a permanent one moves the lead on now (with Twilio's code in
    words, as a failed delivery receipt does), a transient one raises so that RQ tries
    again (the page is left free to send)."""
    db.session.rollback()
    now = utcnow()
    page = db.session.get(Page, page_id)
    known = error.code is not None and str(error.code) in delivery.FAILURE_WORDS
    reason = f"{delivery.failure_words(error.code)}: {error}" if known else str(error)
    pages.record_send_failure(session=db.session, page=page, error=reason, now=now)
    outcome = None
    if error.permanent and page.salesperson_id is not None:
        outcome = delivery.page_undeliverable(
            session=db.session,
            page=page,
            code=error.code,
            what="could not be sent",
            now=now,
            deadline_seconds=app.config["ACK_DEADLINE_SECONDS"],
        )
    db.session.commit()
    log.warning("page %s not sent (permanent=%s)", page_id, error.permanent)
    if not error.permanent:
        raise error
    if outcome is not None:
        if outcome.next_page_id is not None:
            enqueue_send(outcome.next_page_id)
        if outcome.manager_message_id is not None:
            enqueue_manager_message(outcome.manager_message_id)
    return "failed"


def send_manager_message(message_id: int) -> str:
    """Send one SMS to the manager (a salesperson opted out or back in), once."""
    app = job_app()
    with app.app_context():
        message = manager_messages.claim_message(
            session=db.session, message_id=message_id, now=utcnow()
        )
        what = (message.to_number, message.body) if message is not None else None
        # Committed before Twilio is called, so a second copy of this job cannot send it,
        # and no transaction (SQLite's write lock) is held while Twilio answers.
        db.session.commit()
        if what is None:
            return "not-sendable"
        to_number, body = what
        try:
            sent = sms_transport().send_sms(to_number, body)
        except SendFailed as error:
            db.session.rollback()
            message = db.session.get(ManagerMessage, message_id)
            manager_messages.record_message_failure(message=message, error=str(error))
            db.session.commit()
            log.warning("manager message %s not sent (permanent=%s)", message_id, error.permanent)
            if not error.permanent:
                raise
            return "failed"
        message = db.session.get(ManagerMessage, message_id)
        manager_messages.record_message_sent(message=message, sent=sent, now=utcnow())
        db.session.commit()
        return "sent"


def check_deadline(page_id: int, attempt: int = 0) -> str:
    """At the deadline: reassign the lead if the page is still unacknowledged.

    The stored deadline and state decide, not the job's timing: RQ may run this up to a
    second early (it re-schedules itself) or twice (the second run finds the page closed).
    """
    app = job_app()
    with app.app_context():
        outcome = pages.handle_deadline(
            session=db.session,
            page_id=page_id,
            now=utcnow(),
            deadline_seconds=app.config["ACK_DEADLINE_SECONDS"],
        )
        db.session.commit()
        if outcome.action == "early":
            schedule_deadline(page_id, outcome.deadline_at, attempt=attempt + 1)
        elif outcome.action == "reassigned" and outcome.next_page_id is not None:
            send_now_or_queue(outcome.next_page_id)
        log.info("deadline check of page %s: %s", page_id, outcome.action)
        return outcome.action


def send_now_or_queue(page_id: int) -> None:
    """Page the next salesperson from this job, without a second trip through the queue;
    if Twilio fails for now, the send job (with RQ's retries) takes over."""
    try:
        send_page(page_id)
    except SendFailed:
        enqueue_send(page_id, attempt=1)
