"""SMS to the manager that are about a salesperson rather than a lead (they texted STOP
or START). Written in the transaction that decided them; a job sends each once after the
commit, claiming it first as pages are claimed (pages.claim_send)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from dispatcher.models import ManagerMessage, Office
from dispatcher.sms import SentMessage


def tell_manager(*, session: Session, office_id: int, body: str, now: datetime) -> int | None:
    """Write the message to send; None when the office has no manager's mobile."""
    office = session.get(Office, office_id)
    if office is None or not office.manager_mobile:
        return None
    message = ManagerMessage(
        office_id=office_id, to_number=office.manager_mobile, body=body[:320], created_at=now
    )
    session.add(message)
    session.flush()
    return message.id


def _sendable(now: datetime, claim_timeout: timedelta):
    """Not out yet, and not claimed by a sender younger than ``claim_timeout``."""
    return (
        ManagerMessage.sent_at.is_(None),
        or_(
            ManagerMessage.send_claimed_at.is_(None),
            ManagerMessage.send_claimed_at < now - claim_timeout,
        ),
    )


def claim_message(
    *, session: Session, message_id: int, now: datetime, claim_timeout: timedelta
) -> ManagerMessage | None:
    """Take the right to send it, or None if it is sent or being sent."""
    result = session.execute(
        update(ManagerMessage)
        .where(ManagerMessage.id == message_id, *_sendable(now, claim_timeout))
        .values(send_claimed_at=now, send_attempts=ManagerMessage.send_attempts + 1)
    )
    return session.get(ManagerMessage, message_id) if result.rowcount == 1 else None


def record_message_sent(*, message: ManagerMessage, sent: SentMessage, now: datetime) -> None:
    message.sent_at, message.message_sid, message.send_error = now, sent.sid, None


def record_message_failure(*, message: ManagerMessage, error: str) -> None:
    """Keep the failure and free the message for a retry."""
    message.send_error = error[:300]
    message.send_claimed_at = None


def messages_to_send(
    *,
    session: Session,
    now: datetime,
    older_than: timedelta,
    claim_timeout: timedelta,
    limit: int = 100,
) -> list[int]:
    """Messages written longer ago than ``older_than`` and still not out: the sweeper's."""
    return list(
        session.scalars(
            select(ManagerMessage.id)
            .where(ManagerMessage.created_at < now - older_than, *_sendable(now, claim_timeout))
            .order_by(ManagerMessage.id)
            .limit(limit)
        )
    )
