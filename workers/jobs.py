"""The RQ jobs. Thin: open the app context, call one service with ids and now, commit,
then queue what follows."""

from __future__ import annotations

import logging
from datetime import timedelta

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import ManagerMessage, Page
from dispatcher.pages import delivery
from dispatcher.pages import service as pages
from dispatcher.queue import enqueue_manager_message, enqueue_send, schedule_deadline
from dispatcher.sms import SendFailed, SentMessage, manager_messages, sms_transport
from dispatcher.unit_of_work import unit_of_work
from workers.context import job_app, send_claim_timeout

log = logging.getLogger(__name__)


# A retry looks for an earlier try's SMS from this long before the page was written:
# Twilio's clock and ours may differ a little, and its times keep whole seconds.
LOOKUP_MARGIN = timedelta(seconds=60)
# From this try on, a lookup that Twilio refuses (an error answer, not a hang) no longer
# holds the page back: it is sent again, once per page, and counted as a possible
# duplicate. A page that never goes out loses the lead; one that arrives twice is a
# nuisance.
UNCHECKED_RESEND_FROM_ATTEMPT = 3


def send_page(page_id: int) -> str:
    """Send one page, once. Returns what happened, for the job's result.

    From the second try on (RQ's retry, or the sweeper after a claim went stale because
    its worker died), an earlier try may have reached Twilio without its answer reaching
    us: the page is looked up at Twilio first and, if found, recorded as sent ("found")
    with nothing sent again.
    """
    app = job_app()
    with app.app_context():
        now = utcnow()
        page = pages.claim_send(
            session=db.session, page_id=page_id, now=now, claim_timeout=send_claim_timeout(app)
        )
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
        to_number, body, attempt = page.to_number, page.body, page.send_attempts
        since = page.created_at - LOOKUP_MARGIN
        # End the read transaction before the network call: on SQLite every transaction
        # holds the write lock, and Twilio may take TWILIO_TIMEOUT_SECONDS to answer, which
        # would stall logging calls, webhooks and the sweeper meanwhile.
        db.session.commit()
        transport = sms_transport()
        if attempt > 1:
            try:
                found = _unrecorded(transport.find_sms(to_number, body, since=since))
            except SendFailed as error:
                if not _resend_unchecked(page_id, attempt, error):
                    held = SendFailed(
                        f"Not sent again until Twilio can be checked for try {attempt - 1}: "
                        f"{error}",
                        timed_out=error.timed_out,
                    )
                    return _after_send_failure(app, page_id, held)
            else:
                if found:
                    _record_sent(app, page_id, found[0], found=True, copies=len(found))
                    return "found"
        try:
            sent = transport.send_sms(to_number, body)
        except SendFailed as error:
            return _after_send_failure(app, page_id, error)
        _record_sent(app, page_id, sent)
        return "sent"


def _unrecorded(found: list[SentMessage]) -> list[SentMessage]:
    """The found SMS not already recorded on another row (the same salesperson paged
    again for the same lead gets the same body); ends the read transaction."""
    recorded = pages.recorded_sids(session=db.session, sids=[m.sid for m in found])
    db.session.commit()
    return [m for m in found if m.sid not in recorded]


def _resend_unchecked(page_id: int, attempt: int, error: SendFailed) -> bool:
    """Whether to send again although Twilio could not be asked about the earlier try;
    if so, the possible duplicate is on the lead's timeline before the SMS goes out."""
    if attempt < UNCHECKED_RESEND_FROM_ATTEMPT:
        return False
    if error.timed_out:
        # Twilio is not answering: sending now would wait out a second timeout in this
        # job (a job spends at most one TWILIO_TIMEOUT_SECONDS on a hung Twilio).
        return False
    if pages.unchecked_resends(session=db.session, page_id=page_id):
        db.session.commit()
        return False
    page = db.session.get(Page, page_id)
    pages.record_unchecked_resend(session=db.session, page=page, error=str(error), now=utcnow())
    db.session.commit()
    log.warning(
        "page %s: try %s sent without checking Twilio for an earlier one (%s): possible duplicate",
        page_id,
        attempt,
        error,
    )
    return True


def _record_sent(
    app, page_id: int, sent: SentMessage, *, found: bool = False, copies: int = 1
) -> None:
    page = pages.record_sent(
        session=db.session,
        page=db.session.get(Page, page_id),
        sent=sent,
        now=utcnow(),
        deadline_seconds=app.config["ACK_DEADLINE_SECONDS"],
        found=found,
        copies=copies,
    )
    # Read before the commit: a read after it would begin a transaction, and on SQLite
    # hold the write lock until the job's end, for nothing.
    still_open, deadline_at = page.state == "open", page.deadline_at
    db.session.commit()
    if copies > 1:
        log.warning("page %s: Twilio holds %s copies of it (duplicate SMS)", page_id, copies)
    if still_open:
        schedule_deadline(page_id, deadline_at)


def _after_send_failure(app, page_id: int, error: SendFailed) -> str:
    """Record the failure; a permanent one moves the lead on now (with Twilio's code in
    words, as a failed delivery receipt does), a transient one raises so that RQ tries
    again (the page is left free to send; the next try looks it up first)."""
    db.session.rollback()
    now = utcnow()
    page = db.session.get(Page, page_id)
    known = error.code is not None and str(error.code) in delivery.FAILURE_WORDS
    reason = f"{delivery.failure_words(error.code)}: {error}" if known else str(error)
    if error.ambiguous:
        reason += " (it may have gone out: checked at Twilio before the next try)"
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
    log.warning(
        "page %s not sent (permanent=%s, ambiguous=%s)", page_id, error.permanent, error.ambiguous
    )
    if not error.permanent:
        raise error
    if outcome is not None:
        if outcome.next_page_id is not None:
            enqueue_send(outcome.next_page_id)
        if outcome.manager_message_id is not None:
            enqueue_manager_message(outcome.manager_message_id)
    return "failed"


def send_manager_message(message_id: int) -> str:
    """Send one SMS to the manager (a salesperson opted out or back in), once.

    A retry looks it up at Twilio first, as a page's does; if the lookup fails it waits
    for the next try rather than risk a second copy (nothing waits on this message).
    """
    app = job_app()
    with app.app_context():
        message = manager_messages.claim_message(
            session=db.session,
            message_id=message_id,
            now=utcnow(),
            claim_timeout=send_claim_timeout(app),
        )
        what = (
            (message.to_number, message.body, message.send_attempts, message.created_at)
            if message is not None
            else None
        )
        # Committed before Twilio is called, so a second copy of this job cannot send it,
        # and no transaction (SQLite's write lock) is held while Twilio answers.
        db.session.commit()
        if what is None:
            return "not-sendable"
        to_number, body, attempt, created_at = what
        transport = sms_transport()
        try:
            if attempt > 1:
                found = transport.find_sms(to_number, body, since=created_at - LOOKUP_MARGIN)
                found = _unrecorded(found)
                if found:
                    _record_message_sent(message_id, found[0])
                    return "found"
            sent = transport.send_sms(to_number, body)
        except SendFailed as error:
            return _after_message_failure(message_id, error)
        _record_message_sent(message_id, sent)
        return "sent"


def _record_message_sent(message_id: int, sent: SentMessage) -> None:
    message = db.session.get(ManagerMessage, message_id)
    manager_messages.record_message_sent(message=message, sent=sent, now=utcnow())
    db.session.commit()


def _after_message_failure(message_id: int, error: SendFailed) -> str:
    db.session.rollback()
    message = db.session.get(ManagerMessage, message_id)
    manager_messages.record_message_failure(message=message, error=str(error))
    db.session.commit()
    log.warning("manager message %s not sent (permanent=%s)", message_id, error.permanent)
    if not error.permanent:
        raise error
    return "failed"


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
