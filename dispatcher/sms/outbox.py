"""The development transport: every outgoing SMS is stored for the development phone."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import OutboxMessage
from dispatcher.sms import SentMessage, office_number


def new_sid(prefix: str = "SM") -> str:
    """A Twilio-shaped sid (two letters and 32 hex digits)."""
    return prefix + uuid.uuid4().hex


class OutboxTransport:
    def send_sms(self, to: str, body: str, *, from_number: str | None = None) -> SentMessage:
        sid = new_sid()
        db.session.add(
            OutboxMessage(
                sid=sid,
                direction="outbound",
                to_number=to,
                from_number=from_number or office_number(),
                body=body,
                created_at=utcnow(),
            )
        )
        return SentMessage(sid=sid, status="delivered")

    def find_sms(
        self, to: str, body: str, *, since: datetime, from_number: str | None = None
    ) -> list[SentMessage]:
        """The outbox row is written in the job's own transaction, so a send whose
        answer was lost left nothing behind; looked up all the same, for one interface."""
        found = db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.direction == "outbound",
                OutboxMessage.to_number == to,
                OutboxMessage.from_number == (from_number or office_number()),
                OutboxMessage.body == body,
                OutboxMessage.created_at >= since,
            )
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        ).all()
        return [SentMessage(m.sid, "delivered", m.created_at) for m in found]


def development_auth_token() -> str | None:
    """The development phone's token, in development mode only: derived from this
    instance's own SECRET_KEY (generated per instance unless set), never guessable."""
    config = current_app.config
    if not config.get("DEVELOPMENT_MODE"):
        return None
    key = config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"development phone webhooks", hashlib.sha256).hexdigest()
