"""The RQ jobs. Thin: open the app context, call one service with ids and now, commit,
then queue what follows."""

from __future__ import annotations

import logging

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.services import pages
from dispatcher.sms import SendFailed, sms_transport
from workers.context import job_app
from workers.scheduling import enqueue_send, schedule_deadline

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
        try:
            sent = sms_transport().send_sms(page.to_number, page.body)
        except SendFailed as error:
            db.session.rollback()
            page = db.session.get(type(page), page_id)
            pages.record_send_failure(session=db.session, page=page, error=str(error), now=utcnow())
            db.session.commit()
            log.warning(
                "page %s not sent (attempt %s, permanent=%s)",
                page_id,
                page.send_attempts,
                error.permanent,
            )
            if error.permanent:
                return "failed"
            raise
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
            enqueue_send(outcome.next_page_id)
        log.info("deadline check of page %s: %s", page_id, outcome.action)
        return outcome.action
