"""The RQ jobs. Thin: open the app context, call one service with ids and now, commit,
then queue what follows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, timedelta

from flask import Flask

from dispatcher.calls import not_reached
from dispatcher.clock import utcnow
from dispatcher.courtesy.sending import CourtesySending
from dispatcher.extensions import db
from dispatcher.pages import service as pages
from dispatcher.queue import (
    enqueue_manager_message,
    enqueue_send,
    schedule_courtesy,
    schedule_deadline,
    schedule_page_call,
    schedule_reach_check,
)
from dispatcher.sms import SendFailed, outbound, sms_transport
from dispatcher.sms.manager_messages import MANAGER_MESSAGES
from dispatcher.unit_of_work import end_read, queue_after_commit, unit_of_work
from dispatcher.voice import CallFailed
from dispatcher.voice import pages as voice_pages
from workers.context import job_app, page_sending, send_claim_timeout

log = logging.getLogger(__name__)


def send_page(page_id: int) -> str:
    """Send one page, once (dispatcher.sms.outbound), by SMS or by voice call as the
    salesperson chose (dispatcher/voice/pages.py); what happened, for the job's result."""
    app = job_app()
    with app.app_context():
        how = voice_pages.how_to_page(session=db.session, page_id=page_id)
        end_read()
    if how.call_now and not how.sms:
        called = call_page(page_id)
        return called if called != "not placed" else _send(page_id, page_sending)
    what = _send(page_id, page_sending)
    if how.call_now:
        call_page(page_id)  # the SMS outage: by call too, once the SMS is out
    if how.call_later and what == "sent":
        with app.app_context():
            later = utcnow() + timedelta(seconds=app.config["SMS_THEN_CALL_SECONDS"])
            schedule_page_call(page_id, later)
    return what


def call_page(page_id: int) -> str:
    """Place the page's voice call, once: claimed and committed before Twilio is asked,
    so a repeat of the job (or the sweeper) places no second call. "called", "nothing"
    (closed, or called already) or "not placed" (the SMS goes instead)."""
    app = job_app()
    with app.app_context():
        now = utcnow()
        with unit_of_work():
            claim = voice_pages.claim_call(
                session=db.session,
                page_id=page_id,
                now=now,
                deadline_seconds=app.config["ACK_DEADLINE_SECONDS"],
            )
        if claim is None:
            return "nothing"
        if claim.deadline is not None:
            schedule_deadline(claim.page_id, claim.deadline)
        try:
            call_sid = voice_pages.place_call(claim)
        except CallFailed as error:
            with unit_of_work():
                voice_pages.record_call_failed(
                    session=db.session, page_id=page_id, why=str(error), now=utcnow()
                )
            return "not placed"
        with unit_of_work():
            voice_pages.record_call_placed(
                session=db.session, page_id=page_id, call_sid=call_sid, now=utcnow()
            )
        log.info("voice page %s placed", page_id)
        return "called"


def send_manager_message(message_id: int) -> str:
    """Send one SMS to the manager (a salesperson opted out or back in), once."""
    return _send(message_id, lambda app: MANAGER_MESSAGES)


def send_courtesy(message_id: int) -> str:
    """Send one courtesy message at its minute, once (S1-S4); put off to the end of the
    quiet hours when they have begun (queued again under a new fixed id)."""
    kind = CourtesySending(clock=utcnow)
    what = _send(message_id, lambda app: kind)
    if kind.moved_to is not None:
        # Named by its new minute: a second put-off is a new job, never a duplicate id.
        minute = int(kind.moved_to.replace(tzinfo=UTC).timestamp())
        schedule_courtesy(message_id, kind.moved_to, attempt=minute)
        return "put off"
    return what


def _send(row_id: int, kind_for: Callable[[Flask], outbound.Sending]) -> str:
    """Send the row, commit what it recorded, then queue what follows; a transient
    failure raises after the commit, so that RQ tries again."""
    app = job_app()
    with app.app_context():
        result = outbound.send(
            kind_for(app),
            row_id,
            session=db.session,
            transport=sms_transport(),
            clock=utcnow,
            claim_timeout=send_claim_timeout(app),
        )
        db.session.commit()
        then = result.then
        if then.deadline is not None:
            schedule_deadline(*then.deadline)
        for page_id in then.pages:
            enqueue_send(page_id)
        for message_id in then.manager_messages:
            enqueue_manager_message(message_id)
        if result.retry is not None:
            raise result.retry
        return result.what


def check_deadline(page_id: int, attempt: int = 0) -> str:
    """At the deadline: reassign the lead if the page is still unacknowledged.

    The stored deadline and state decide, not the job's timing: RQ may run this up to a
    second early (it re-schedules itself) or twice (the second run finds the page closed).
    """
    app = job_app()
    with app.app_context():
        with unit_of_work():
            outcome = pages.handle_deadline(
                session=db.session,
                page_id=page_id,
                now=utcnow(),
                deadline_seconds=app.config["ACK_DEADLINE_SECONDS"],
            )
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


def check_not_reached(page_id: int) -> str:
    """When due: remind the salesperson whose acknowledged lead's client was not reached
    by a call through the office, later tell the manager (dispatcher/calls/not_reached.py).
    Early (working hours not yet run out): put off to the minute it is due."""
    app = job_app()
    with app.app_context():
        with unit_of_work():
            check = not_reached.check_not_reached(
                session=db.session,
                page_id=page_id,
                now=utcnow(),
                minutes=app.config["NOT_REACHED_REMINDER_MINUTES"],
                deadline_seconds=app.config["ACK_DEADLINE_SECONDS"],
            )
            queue_after_commit(
                db.session, pages=[check.next_page_id], manager_messages=check.messages
            )
        if check.due_at is not None:
            # Put off to its working minute, or (reminded) the manager's step: a fixed
            # id per minute, so a repeat schedules nothing more.
            minute = int(check.due_at.replace(tzinfo=UTC).timestamp()) // 60
            schedule_reach_check(page_id, check.due_at, attempt=minute)
        log.info("reach check of page %s: %s", page_id, check.action)
        return check.action
