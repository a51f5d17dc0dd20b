"""The two voice transports: Twilio's Calls API through the one twilio client of the
settings (dispatcher/sms/twilio_transport.py builds it), and the development line."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from dispatcher.calls import CallFailed
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import OutboxMessage
from dispatcher.sms import office_number
from dispatcher.sms.outbox import new_sid
from dispatcher.sms.twilio_transport import twilio_client

log = logging.getLogger(__name__)

# Twilio: "Call is not in-progress. Cannot redirect."
CALL_ENDED = 21220
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


class TwilioVoice:
    def __init__(self, client: Client):
        self.client = client

    @classmethod
    def from_config(cls, config: Mapping) -> TwilioVoice:
        return cls(twilio_client(config))

    def place(self, *, to: str, from_number: str, twiml: str, status_callback: str) -> str:
        try:
            call = self.client.calls.create(
                to=to,
                from_=from_number,
                twiml=twiml,
                status_callback=status_callback,
                status_callback_event=STATUS_EVENTS,
            )
        except (TwilioException, requests.RequestException) as error:
            raise _failed("call not placed", error) from error
        return call.sid

    def redirect(self, *, call_sid: str, twiml: str, to: str) -> None:
        try:
            self.client.calls(call_sid).update(twiml=twiml)
        except (TwilioException, requests.RequestException) as error:
            raise _failed("call not put through", error) from error


def _failed(what: str, error: Exception) -> CallFailed:
    if isinstance(error, TwilioRestException):
        log.warning("twilio refused: %s (status=%s code=%s)", what, error.status, error.code)
        if error.code == CALL_ENDED:
            return CallFailed("The call has already ended.", ended=True)
        return CallFailed(f"Twilio refused the call ({error.code or error.status}).")
    log.warning("twilio did not answer: %s (%s)", what, type(error).__name__)
    return CallFailed(f"Twilio did not answer ({type(error).__name__}).")


class DevelopmentLine:
    """No credentials: nothing rings. The development phone shows the call that would
    have rung, as a message from the office to that phone."""

    def place(self, *, to: str, from_number: str, twiml: str, status_callback: str) -> str:
        self._show(to, from_number, "Call from the office (development: nothing rings).")
        return new_sid("CA")

    def redirect(self, *, call_sid: str, twiml: str, to: str) -> None:
        self._show(to, None, "A caller put through to you (development: nothing rings).")

    def _show(self, to: str, from_number: str | None, words: str) -> None:
        db.session.add(
            OutboxMessage(
                sid=new_sid("SM"),
                direction="outbound",
                to_number=to,
                from_number=from_number or office_number(),
                body=words,
                created_at=utcnow(),
            )
        )
