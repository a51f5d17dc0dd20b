"""Voice: how the office's own line is used. Pages by voice call (pages.py), the SMS
outage switch (outage.py), missed callers (missed.py), call recording (recording.py), and
the one voice transport every call the office places or redirects goes through, with
the webhook addresses in them (README, "Voice pages and calls").

The transport is chosen as the SMS one is: Twilio's Calls API through the one twilio
client of the settings (transport.TwilioVoice, also the recordings' delete and audio),
otherwise the development line, which rings nothing. Verified calls (dispatcher/calls:
proving the client was reached) place and redirect their calls through it too; this
package never imports that one.
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


class AudioUnavailable(Exception):
    """Twilio has no audio for the recording (deleted, or not reachable now)."""


class VoiceTransport(Protocol):
    def place(
        self,
        *,
        to: str,
        from_number: str,
        status_callback: str,
        twiml: str | None = None,
        url: str | None = None,
        status_events: tuple[str, ...] = ...,
    ) -> str:
        """Ring ``to`` from ``from_number``; once answered the call runs ``twiml``, or
        the TwiML Twilio fetches from ``url`` (absolute). Returns the call's sid;
        CallFailed when it was not placed."""
        ...

    def redirect(self, *, call_sid: str, twiml: str, to: str) -> None:
        """Give a live call new TwiML (``to``: whom it now rings, for the development
        line). CallFailed when it could not be redirected."""
        ...

    def delete_recording(self, recording_sid: str) -> bool:
        """Delete a recording at Twilio: True once it is gone, False to try again later."""
        ...

    def recording_audio(self, url: str) -> bytes:
        """A recording's audio (MP3); AudioUnavailable when there is none to hear."""
        ...


def init_voice(app: Flask) -> None:
    """Choose the transport once, when the app is built."""
    if app.config.get("TWILIO_ACCOUNT_SID") and app.config.get("TWILIO_AUTH_TOKEN"):
        from dispatcher.voice.transport import TwilioVoice

        app.extensions["voice"] = TwilioVoice.from_config(app.config)
    else:
        from dispatcher.voice.transport import DevelopmentLine

        app.extensions["voice"] = DevelopmentLine()


def voice_transport() -> VoiceTransport:
    return current_app.extensions["voice"]
