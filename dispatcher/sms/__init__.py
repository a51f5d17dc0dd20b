"""Sending SMS: one small interface, two transports chosen by settings (the twilio
client with credentials, otherwise the outbox), the development phone that reads the
outbox and replies through the webhooks, the manager's SMS, and a salesperson's STOP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import Flask, current_app


@dataclass(frozen=True)
class SentMessage:
    sid: str
    status: str
    created_at: datetime | None = None  # naive UTC; known when found by find_sms


class SendFailed(Exception):
    """The transport refused the message; ``permanent`` means retrying cannot help.

    ``ambiguous`` means the message may have gone out all the same (Twilio's answer was
    lost: a read timeout, a dropped connection, a 5xx), so it must be looked up before
    it is sent again. ``timed_out``: no answer within the timeout (Twilio is hanging).
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        permanent: bool = False,
        ambiguous: bool = False,
        timed_out: bool = False,
    ):
        super().__init__(message)
        self.code = code
        self.permanent = permanent
        self.ambiguous = ambiguous
        self.timed_out = timed_out


class SmsTransport(Protocol):
    def send_sms(self, to: str, body: str, *, from_number: str | None = None) -> SentMessage:
        """Send from ``from_number`` (the office's own number), else the office number
        of the settings (``office_number``)."""
        ...

    def find_sms(
        self, to: str, body: str, *, since: datetime, from_number: str | None = None
    ) -> list[SentMessage]:
        """Messages already sent to ``to`` with exactly ``body``, created at or after
        ``since`` (naive UTC), oldest first; SendFailed when they cannot be looked up."""
        ...


def init_sms(app: Flask) -> None:
    """Choose the transport once, when the app is built."""
    if app.config.get("TWILIO_ACCOUNT_SID") and app.config.get("TWILIO_AUTH_TOKEN"):
        from dispatcher.sms.twilio_transport import TwilioTransport

        app.extensions["sms"] = TwilioTransport.from_config(app.config)
    else:
        from dispatcher.sms.outbox import OutboxTransport

        app.extensions["sms"] = OutboxTransport()


def sms_transport() -> SmsTransport:
    return current_app.extensions["sms"]


def office_number() -> str:
    """The number pages come from and salespeople reply to, for an office that has no
    number of its own (Office.phone_number: its pages go out from that)."""
    return current_app.config.get("TWILIO_FROM_NUMBER") or "+15550000000"
