"""The development transport: every outgoing SMS is stored for the development phone."""

from __future__ import annotations

import uuid

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import OutboxMessage
from dispatcher.sms import SentMessage, office_number


def new_sid(prefix: str = "SM") -> str:
    """A Twilio-shaped sid (two letters and 32 hex digits)."""
    return prefix + uuid.uuid4().hex


class OutboxTransport:
    def send_sms(self, to: str, body: str) -> SentMessage:
        sid = new_sid()
        db.session.add(
            OutboxMessage(
                sid=sid,
                direction="outbound",
                to_number=to,
                from_number=office_number(),
                body=body,
                created_at=utcnow(),
            )
        )
        return SentMessage(sid=sid, status="delivered")
