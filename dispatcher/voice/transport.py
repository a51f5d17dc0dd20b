"""The two voice transports: Twilio's Calls API through the one twilio client of the
settings (dispatcher/sms/twilio_transport.py builds it), and the development line."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from xml.etree import ElementTree

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import OutboxMessage
from dispatcher.sms import office_number
from dispatcher.sms.outbox import new_sid
from dispatcher.sms.twilio_transport import twilio_client
from dispatcher.voice import AudioUnavailable, CallFailed

log = logging.getLogger(__name__)

# Twilio: "Call is not in-progress. Cannot redirect."
CALL_ENDED = 21220
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")


class TwilioVoice:
    def __init__(self, client: Client):
        self.client = client

    @classmethod
    def from_config(cls, config: Mapping) -> TwilioVoice:
        return cls(twilio_client(config))

    def place(
        self,
        *,
        to: str,
        from_number: str,
        status_callback: str,
        twiml: str | None = None,
        url: str | None = None,
        status_events: tuple[str, ...] = STATUS_EVENTS,
    ) -> str:
        script = {"twiml": twiml} if url is None else {"url": url, "method": "POST"}
        try:
            call = self.client.calls.create(
                to=to,
                from_=from_number,
                status_callback=status_callback,
                status_callback_event=list(status_events),
                **script,
            )
        except (TwilioException, requests.RequestException) as error:
            raise _failed("call not placed", error) from error
        return call.sid

    def redirect(self, *, call_sid: str, twiml: str, to: str) -> None:
        try:
            self.client.calls(call_sid).update(twiml=twiml)
        except (TwilioException, requests.RequestException) as error:
            raise _failed("call not put through", error) from error

    def delete_recording(self, recording_sid: str) -> bool:
        """One Twilio can no longer find (404) is gone already."""
        try:
            self.client.recordings(recording_sid).delete()
        except TwilioRestException as error:
            log.warning("twilio refused: recording not deleted (status=%s)", error.status)
            return error.status == 404
        except (TwilioException, requests.RequestException) as error:
            log.warning("twilio did not answer: recording not deleted (%s)", type(error).__name__)
            return False
        return True

    def recording_audio(self, url: str) -> bytes:
        """The client's credentials go only to its account's own Recordings address
        under its API (the stored URL came from a signed callback, but they must never
        go elsewhere). Fetched with requests, not the client's request(): its answer is
        text, and the audio is bytes."""
        account = self.client.username
        prefix = f"{self.client.api.base_url.rstrip('/')}/2010-04-01/Accounts/{account}/Recordings/"
        if not url.startswith(prefix) or "/" in url.removeprefix(prefix):
            raise AudioUnavailable("not this account's recording")
        try:
            response = requests.get(
                url.removesuffix(".json") + ".mp3",
                auth=(account, self.client.password),
                timeout=self.client.http_client.timeout,
            )
        except requests.RequestException as error:
            raise AudioUnavailable(type(error).__name__) from error
        if response.status_code != 200:
            raise AudioUnavailable(f"Twilio answered {response.status_code}")
        return response.content


def _failed(what: str, error: Exception) -> CallFailed:
    if isinstance(error, TwilioRestException):
        log.warning("twilio refused: %s (status=%s code=%s)", what, error.status, error.code)
        if error.code == CALL_ENDED:
            return CallFailed("The call has already ended.", ended=True)
        return CallFailed(f"Twilio refused the call ({error.code or error.status}).")
    log.warning("twilio did not answer: %s (%s)", what, type(error).__name__)
    return CallFailed(f"Twilio did not answer ({type(error).__name__}).")


class DevelopmentLine:
    """No credentials: nothing rings, and Twilio keeps no recordings. The development
    phone shows the call that would have rung, as a message from the office to that
    phone."""

    def place(self, *, to: str, from_number: str, url: str | None = None, **script) -> str:
        """The TwiML and the status callback go nowhere: nothing runs them."""
        if url is not None:
            # A call whose TwiML is at a URL (a voice page) is answered by the keys
            # pressed on it, which nothing here can press: not placed, so the page goes
            # by SMS as it would without voice.
            raise CallFailed("Twilio is not set up")
        self._show(
            to, from_number, "Call from the office (development: nothing rings; answer below)."
        )
        return new_sid("CA")

    def redirect(self, *, call_sid: str, twiml: str, to: str) -> None:
        """Shown from the number the <Dial> shows (the office's line), as the office's
        other messages to that phone are; *Answer* or *Let it ring* there posts the
        <Dial>'s result (dispatcher/sms/devphone.py)."""
        self._show(
            to,
            _caller_id(twiml),
            "A caller put through to you (development: nothing rings; answer below).",
        )

    def delete_recording(self, recording_sid: str) -> bool:
        return False  # no account to delete it at: kept until Twilio is set up

    def recording_audio(self, url: str) -> bytes:
        raise AudioUnavailable("Twilio is not set up")

    @staticmethod
    def _show(to: str, from_number: str | None, words: str) -> None:
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


def _caller_id(twiml: str) -> str | None:
    """The number a <Dial> shows to the phone it rings."""
    root = ElementTree.fromstring(twiml)  # nosec B314 # TwiML this service just wrote
    dial = root.find("Dial")
    return None if dial is None else dial.get("callerId")
