"""Records written as the services write them, at a time the caller gives: shared by the
tests (through tests/factories.py) and the race harness."""

from __future__ import annotations

from datetime import datetime, timedelta

from dispatcher.extensions import db
from dispatcher.models import Lead, Page
from dispatcher.pages.sending import PageSending, record_sent
from dispatcher.sms import SentMessage, outbound
from dispatcher.sms.outbox import new_sid

CLAIM_TIMEOUT = timedelta(seconds=60)  # SEND_CLAIM_SECONDS' default


def page_out(page: Page | Lead, at: datetime, *, status: str = "sent") -> Page:
    """The page (or the lead's current page) claimed and handed to Twilio at ``at``, as the
    send job does; its deadline 300 s later. Nothing is committed."""
    if isinstance(page, Lead):
        from dispatcher.leads.service import current_page

        page = current_page(session=db.session, lead_id=page.id)
    claimed = outbound.claim(
        PageSending(300), session=db.session, row_id=page.id, now=at, claim_timeout=CLAIM_TIMEOUT
    )
    assert claimed is not None, "the page was not sendable"
    return record_sent(
        session=db.session,
        page=claimed,
        sent=SentMessage(new_sid(), status),
        now=at,
        deadline_seconds=300,
    )
