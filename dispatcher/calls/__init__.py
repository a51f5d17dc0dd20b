"""Calls that prove the client was reached: every one goes through the office's number.

- A bridged call-back (item 2): after OK, the salesperson taps *Call the client* on their
  page (the office rings them through the Calls API, they press 1, the office dials the
  client showing the office's number), or calls the office and presses 1.
- A put-through (C3): the coordinator sends a caller's live call to the salesperson they
  asked for (the Calls API's update); unanswered, it comes back to the coordinator and
  the salesperson is paged.
- A verified contact: a <Dial> to the client (or from the caller) answered and lasting
  CLIENT_REACHED_MIN_SECONDS records *client reached* on the lead, once
  (dispatcher/calls/contact.py; the rule itself is routing/contact.py).
- Acknowledged but not reached: a reminder, then the manager (not_reached.py).

One voice transport, chosen as the SMS one is: the twilio client with credentials,
otherwise the development line, which rings nothing and shows on the development
phone what would have rung.
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask, current_app


class CallFailed(Exception):
    """The Calls API refused the call or the redirect, or did not answer; ``ended``: the
    call to redirect has already ended (Twilio's 21220)."""

    def __init__(self, message: str, *, ended: bool = False):
        super().__init__(message)
        self.ended = ended


class VoiceTransport(Protocol):
    def place(self, *, to: str, from_number: str, twiml: str, status_callback: str) -> str:
        """Ring ``to`` from ``from_number``; the call runs ``twiml`` once answered.
        Returns the call's sid; CallFailed when it was not placed."""
        ...

    def redirect(self, *, call_sid: str, twiml: str, to: str) -> None:
        """Give a live call new TwiML (``to``: whom it now rings, for the development
        line). CallFailed when it could not be redirected."""
        ...


def init_voice(app: Flask) -> None:
    """Choose the transport once, when the app is built."""
    if app.config.get("TWILIO_ACCOUNT_SID") and app.config.get("TWILIO_AUTH_TOKEN"):
        from dispatcher.calls.transport import TwilioVoice

        app.extensions["voice"] = TwilioVoice.from_config(app.config)
    else:
        from dispatcher.calls.transport import DevelopmentLine

        app.extensions["voice"] = DevelopmentLine()


def voice_transport() -> VoiceTransport:
    return current_app.extensions["voice"]
