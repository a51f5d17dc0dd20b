"""The real twilio client, built in one place with an explicit timeout.

Twilio's client retries nothing and ``messages.create`` has no idempotency key, so this
module decides what is tried again:

- 429 (Too Many Requests) is retried here, a few times within a few seconds, with
  exponential backoff and full jitter, never sooner than Twilio's Retry-After. Twilio
  refused the request, so trying again cannot send twice. Past the bound it is a transient
  SendFailed and RQ's retry takes over. Not urllib3's ``Retry`` on the HTTP client: it
  waits out any Retry-After in full or cuts it short (``retry_after_max``), where the
  rule here is never sooner than Twilio asks yet within a job's time, with jitter on top.
- Any other 4xx cannot succeed: a permanent SendFailed, not retried anywhere.
- A read timeout, a dropped connection or a 5xx leaves the message possibly sent: an
  ambiguous SendFailed, never resent blindly here. The next attempt looks it up first
  (``find_sms``; dispatcher/sms/outbound.py decides).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from dispatcher.sms import SendFailed, SentMessage

log = logging.getLogger(__name__)

T = TypeVar("T")

# Newest first, one page at a time; a salesperson gets a handful of SMS an hour, so the
# look-back window is nearly always on the first page.
LOOKUP_PAGE_SIZE = 50
LOOKUP_MAX_PAGES = 3


@dataclass(frozen=True)
class Backoff:
    """How a 429 is retried inside one call: at most ``attempts`` requests and at most
    ``budget`` seconds from the first request to the start of the last one."""

    attempts: int = 4
    base: float = 0.5
    cap: float = 4.0
    # A job may look up and then send: two calls, each within this, stay within the
    # 15 s a job may spend on Twilio (issue #7) when Twilio answers at all.
    budget: float = 5.0

    def wait(self, retry: int, retry_after: float | None, draw: float) -> float:
        """Seconds before retry number ``retry`` (1, 2, ...); ``draw`` in [0, 1).

        Full jitter (a uniform wait up to the exponential step) so that workers throttled
        together do not come back together; on top of Retry-After when Twilio gave one,
        so it is always honoured.
        """
        step = min(self.cap, self.base * 2 ** (retry - 1))
        return (retry_after or 0.0) + draw * step


class _HttpClient(TwilioHttpClient):
    """Twilio's HTTP client, keeping each thread's last answer so a 429's Retry-After
    can be read (``last_response`` is shared by every thread using the client)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def request(self, *args, **kwargs):
        self._local.headers = None
        response = super().request(*args, **kwargs)
        self._local.headers = response.headers
        return response

    def last_headers(self) -> Mapping[str, str]:
        return getattr(self._local, "headers", None) or {}


def twilio_client(config: Mapping) -> Client:
    """The twilio client of the settings, for SMS and calls alike: an explicit timeout,
    and TWILIO_API_BASE_URL when set (the local stub)."""
    # Twilio's client waits forever unless told otherwise; a hung request would hold
    # a worker and every page behind it.
    http_client = _HttpClient(timeout=config["TWILIO_TIMEOUT_SECONDS"])
    client = Client(
        config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http_client
    )
    if config.get("TWILIO_API_BASE_URL"):
        client.api.base_url = config["TWILIO_API_BASE_URL"].rstrip("/")
    return client


class TwilioTransport:
    def __init__(
        self,
        client: Client,
        from_number: str,
        status_callback: str | None,
        *,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
        draw: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.client = client
        self.from_number = from_number
        self.status_callback = status_callback
        self.backoff = backoff or Backoff()
        # Injectable so that tests never sleep for real nor depend on chance.
        self.sleep = sleep
        self.draw = draw
        self.clock = clock

    @classmethod
    def from_config(cls, config: Mapping) -> TwilioTransport:
        public = config.get("PUBLIC_BASE_URL")
        callback = f"{public.rstrip('/')}/twilio/status" if public else None
        return cls(twilio_client(config), config["TWILIO_FROM_NUMBER"], callback)

    def send_sms(self, to: str, body: str, *, from_number: str | None = None) -> SentMessage:
        kwargs = {"to": to, "from_": from_number or self.from_number, "body": body}
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        try:
            message = self._throttled("send", lambda: self.client.messages.create(**kwargs))
        except TwilioException as error:
            status, code, words = _describe(error)
            # 4xx other than 429 cannot succeed on a retry; a 429 past the bound may
            # later. Twilio answered a 5xx after reading the request: it may have sent it.
            permanent = status is not None and 400 <= status < 500 and status != 429
            ambiguous = status is None or status >= 500
            log.warning("twilio refused a page: status=%s code=%s", status, code)
            raise SendFailed(words, code=code, permanent=permanent, ambiguous=ambiguous) from error
        except requests.RequestException as error:
            # No answer within the timeout, or no connection. Only a refused connection
            # or a connect timeout proves nothing reached Twilio; otherwise it may have
            # accepted the message, and the retry looks it up before sending again.
            ambiguous = _may_have_arrived(error)
            log.warning("twilio did not answer: %s", type(error).__name__)
            raise SendFailed(
                f"Twilio did not answer ({type(error).__name__})",
                ambiguous=ambiguous,
                timed_out=isinstance(error, requests.Timeout),
            ) from error
        return SentMessage(sid=message.sid, status=message.status or "queued")

    def find_sms(
        self, to: str, body: str, *, since: datetime, from_number: str | None = None
    ) -> list[SentMessage]:
        """Messages from the office number to ``to`` with exactly this body, created at or
        after ``since`` (naive UTC), oldest first. A page's body carries its lead's
        "Ref n", so an exact match is that lead's page; the caller drops sids already
        recorded on another row."""
        found: list[SentMessage] = []
        try:
            page = self._throttled(
                "look up",
                lambda: self.client.messages.page(
                    to=to, from_=from_number or self.from_number, page_size=LOOKUP_PAGE_SIZE
                ),
            )
            for _ in range(LOOKUP_MAX_PAGES):
                older = False
                for message in page:
                    created = _naive_utc(message.date_created)
                    if created is not None and created < since:
                        older = True  # newest first: the rest are older still
                        break
                    if message.body == body and message.direction != "inbound":
                        found.append(SentMessage(message.sid, message.status, created))
                if older:
                    break
                current = page
                page = self._throttled("look up", current.next_page)
                if page is None:
                    break
        except TwilioException as error:
            status, code, words = _describe(error)
            log.warning("twilio lookup refused: status=%s code=%s", status, code)
            raise SendFailed(f"Lookup at Twilio failed: {words}", code=code) from error
        except requests.RequestException as error:
            log.warning("twilio lookup did not answer: %s", type(error).__name__)
            raise SendFailed(
                f"Lookup at Twilio failed: no answer ({type(error).__name__})",
                timed_out=isinstance(error, requests.Timeout),
            ) from error
        found.reverse()
        return found

    def _throttled(self, what: str, call: Callable[[], T]) -> T:
        """``call()``, again after a 429 within the backoff's bounds."""
        started = self.clock()
        for attempt in range(1, self.backoff.attempts + 1):
            try:
                return call()
            except TwilioException as error:
                if _describe(error)[0] != 429 or attempt == self.backoff.attempts:
                    raise
                retry_after = self._retry_after()
                wait = self.backoff.wait(attempt, retry_after, self.draw())
                if self.clock() - started + wait > self.backoff.budget:
                    log.warning(
                        "twilio rate limit: %s gives up after %s tries (next wait %.1f s)",
                        what,
                        attempt,
                        wait,
                    )
                    raise
                log.info(
                    "twilio rate limit: %s again in %.2f s (Retry-After %s)",
                    what,
                    wait,
                    retry_after,
                )
                self.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _retry_after(self) -> float | None:
        """Twilio's Retry-After, in seconds or as an HTTP date; None if absent."""
        headers = getattr(self.client.http_client, "last_headers", lambda: {})()
        value = headers.get("Retry-After") if headers else None
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _may_have_arrived(error: requests.RequestException) -> bool:
    """False only when no connection was made (refused, or no connection in time)."""
    if isinstance(error, requests.ConnectTimeout):
        return False
    reason = error.args[0] if error.args else None
    return not isinstance(getattr(reason, "reason", reason), NewConnectionError)


def _describe(error: TwilioException) -> tuple[int | None, int | None, str]:
    """HTTP status, Twilio code and message of a refusal, whichever call raised it."""
    if isinstance(error, TwilioRestException):
        return error.status, error.code, str(error.msg)
    status = getattr(error, "status", None)
    response = error.args[1] if len(error.args) > 1 else None
    if status is None and response is not None:
        status = getattr(response, "status_code", None)
    code = getattr(error, "code", None)
    words = str(error.args[0]) if error.args else type(error).__name__
    return status, code, f"{words} (HTTP {status})" if status else words


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
