"""Delivery receipts for pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.models import Page
from dispatcher.services.timeline import record_event

# Twilio's statuses in the order a message moves through them; a late receipt for an
# earlier status must not overwrite a later one.
STATUS_ORDER = ("accepted", "queued", "sending", "sent", "delivered", "undelivered", "failed")
FINAL = {"delivered", "undelivered", "failed"}


def record_delivery_status(
    *, session: Session, message_sid: str, status: str, error_code: str | None, now: datetime
) -> Page | None:
    """Store the page's latest status; a repeat or an out-of-order receipt changes nothing."""
    page = session.scalar(select(Page).where(Page.message_sid == message_sid))
    if page is None or status == page.delivery_status:
        return page
    if page.delivery_status in FINAL or _rank(status) < _rank(page.delivery_status):
        return page
    page.delivery_status = status
    if status in ("undelivered", "failed"):
        record_event(
            session=session,
            lead_id=page.lead_id,
            kind="page_" + status,
            at=now,
            page_id=page.id,
            detail=f"Twilio error {error_code}" if error_code else "",
        )
    return page


def _rank(status: str | None) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else -1
