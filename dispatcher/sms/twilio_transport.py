"""The real twilio client, built in one place with an explicit timeout."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from dispatcher.sms import SendFailed, SentMessage

log = logging.getLogger(__name__)


class TwilioTransport:
    def __init__(self, client: Client, from_number: str, status_callback: str | None):
        self.client = client
        self.from_number = from_number
        self.status_callback = status_callback

    @classmethod
    def from_config(cls, config: Mapping) -> TwilioTransport:
        # Twilio's client waits forever unless told otherwise; a hung request would hold
        # a worker and every page behind it.
        http_client = TwilioHttpClient(timeout=config["TWILIO_TIMEOUT_SECONDS"])
        client = Client(
            config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http_client
        )
        if config.get("TWILIO_API_BASE_URL"):
            client.api.base_url = config["TWILIO_API_BASE_URL"].rstrip("/")
        public = config.get("PUBLIC_BASE_URL")
        callback = f"{public.rstrip('/')}/twilio/status" if public else None
        return cls(client, config["TWILIO_FROM_NUMBER"], callback)

    def send_sms(self, to: str, body: str) -> SentMessage:
        kwargs = {"to": to, "from_": self.from_number, "body": body}
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as error:
            # 4xx other than 429 cannot succeed on a retry; 429 and 5xx may.
            permanent = 400 <= error.status < 500 and error.status != 429
            log.warning("twilio refused a page: status=%s code=%s", error.status, error.code)
            raise SendFailed(str(error.msg), code=error.code, permanent=permanent) from error
        except requests.RequestException as error:
            # No answer within the timeout, or no connection: worth a retry. After a read
            # timeout Twilio may have accepted the message, so the retry can page twice.
            log.warning("twilio did not answer: %s", type(error).__name__)
            raise SendFailed(f"Twilio did not answer ({type(error).__name__})") from error
        return SentMessage(sid=message.sid, status=message.status or "queued")
