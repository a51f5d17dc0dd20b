"""A page's part in sending (dispatcher.sms.outbound does the sending): only an open
page or the manager's notice goes out, its deadline starts when it is out, every try
is on the lead's timeline, and a page that can never be delivered moves the lead on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatcher.clock import deadline_after
from dispatcher.leads.timeline import record_event
from dispatcher.models import Lead, LeadEvent, Office, Page, PageState
from dispatcher.pages import delivery
from dispatcher.sms import SendFailed, SentMessage
from dispatcher.sms.outbound import AfterCommit, Sending, mark_failed, mark_sent


class PageSending(Sending):
    """Pages: a page that never goes out loses the lead, so after a lookup Twilio keeps
    refusing, it is sent once more unchecked (dispatcher.sms.outbound)."""

    unchecked_resends_allowed = 1

    def __init__(self, deadline_seconds: int):
        super().__init__(Page, "page")
        self.deadline_seconds = deadline_seconds

    def sendable(self) -> tuple[Any, ...]:
        return (Page.state.in_((PageState.OPEN, PageState.NOTIFY)),)

    def still_wanted(self, session: Session, row: Page) -> bool:
        """Re-read just before sending: an acknowledgement may have closed it meanwhile."""
        session.refresh(row)
        return row.salesperson_id is None or row.state == PageState.OPEN

    def sent_from(self, session: Session, row: Page) -> str | None:
        """The number of the lead's office: the salesperson's reply comes back to it."""
        return session.scalar(
            select(Office.phone_number)
            .join(Lead, Lead.office_id == Office.id)
            .where(Lead.id == row.lead_id)
        )

    def unchecked_resends(self, session: Session, row_id: int) -> int:
        return session.scalar(
            select(func.count())
            .select_from(LeadEvent)
            .where(LeadEvent.page_id == row_id, LeadEvent.kind == "unchecked_resend")
        )

    def record_unchecked_resend(self, session: Session, row: Page, error: str, now: datetime):
        _on_timeline(
            session,
            row,
            "unchecked_resend",
            now,
            f"Attempt {row.send_attempts}: sent again without being able to check Twilio "
            f"for an earlier try ({error}); it may arrive twice",
        )

    def record_sent(
        self,
        session: Session,
        row: Page,
        sent: SentMessage,
        now: datetime,
        *,
        found: bool,
        copies: int,
    ) -> AfterCommit:
        page = record_sent(
            session=session,
            page=row,
            sent=sent,
            now=now,
            deadline_seconds=self.deadline_seconds,
            found=found,
            copies=copies,
        )
        # Read before the commit: a read after it would begin a transaction, and on
        # SQLite hold the write lock until the job's end, for nothing.
        if page.state != PageState.OPEN:
            return AfterCommit()
        return AfterCommit(deadline=(page.id, page.deadline_at))

    def record_failure(
        self, session: Session, row: Page, error: SendFailed, now: datetime
    ) -> AfterCommit:
        """On the timeline, with Twilio's code in words as a failed delivery receipt
        has; a permanent failure moves the lead on now."""
        known = error.code is not None and str(error.code) in delivery.FAILURE_WORDS
        reason = f"{delivery.failure_words(error.code)}: {error}" if known else str(error)
        if error.ambiguous:
            reason += " (it may have gone out: checked at Twilio before the next try)"
        mark_failed(row, reason)
        _on_timeline(session, row, "page_failed", now, f"Attempt {row.send_attempts}: {reason}")
        if not error.permanent or row.salesperson_id is None:
            return AfterCommit()
        outcome = delivery.page_undeliverable(
            session=session,
            page=row,
            code=error.code,
            what="could not be sent",
            now=now,
            deadline_seconds=self.deadline_seconds,
        )
        return AfterCommit(
            pages=_ids(outcome.next_page_id), manager_messages=_ids(outcome.manager_message_id)
        )


def record_sent(
    *,
    session: Session,
    page: Page,
    sent: SentMessage,
    now: datetime,
    deadline_seconds: int,
    found: bool = False,
    copies: int = 1,
) -> Page:
    """The page went out: its deadline starts now.

    ``found``: an earlier try whose answer was lost had reached Twilio, and the lookup
    found it (nothing sent again). ``copies``: how many SMS of this page Twilio holds;
    more than one is a duplicate, kept on the timeline where it can be counted.
    """
    mark_sent(page, sent, now)
    page.delivery_status = sent.status
    if page.state == PageState.OPEN:
        # The office's own deadline, else the setting's (``deadline_seconds``).
        own = session.scalar(
            select(Office.ack_deadline_seconds)
            .join(Lead, Lead.office_id == Office.id)
            .where(Lead.id == page.lead_id)
        )
        page.deadline_at = deadline_after(now, own or deadline_seconds)
    who = page.salesperson.name if page.salesperson else "the manager"
    detail = f"SMS page to {who}"
    if found:
        detail += " (an earlier try reached Twilio; found there, not sent again)"
    _on_timeline(session, page, "paged", now, detail)
    if copies > 1:
        _on_timeline(
            session, page, "duplicate_sms", now, f"{who} was sent this page {copies} times"
        )
    return page


def _on_timeline(session: Session, page: Page, kind: str, now: datetime, detail: str) -> None:
    """On the page's lead's timeline, where the coordinator sees every try."""
    record_event(
        session=session, lead_id=page.lead_id, kind=kind, at=now, page_id=page.id, detail=detail
    )


def _ids(row_id: int | None) -> tuple[int, ...]:
    return () if row_id is None else (row_id,)
