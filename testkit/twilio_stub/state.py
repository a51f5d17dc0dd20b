"""What the Twilio stub received and what it answers next.

``StubState`` records every request with its arrival time, holds the scripts a test
queued (fail, answer late, hang, drop, with or without creating the message first) and
decides each answer. It knows nothing of HTTP: testkit/twilio_stub/server.py puts it
behind a socket. Part of the Twilio stub; import it from testkit.twilio_stub.
"""

from __future__ import annotations

import base64
import math
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlencode, urljoin
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

from testkit.twilio_stub.api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLS_PATH,
    ENDED_CALL,
    MESSAGES_PATH,
    call_json,
    call_refusal_code,
    is_list,
    list_page,
    message_json,
    refusal_code,
    status_and_code,
    twilio_error,
)

# The scripting methods a stub in another process can be steered with (StubControl).
CONTROL_ACTIONS = (
    "fail_next",
    "delay_next",
    "hang_next",
    "drop_next",
    "fail_lookup_next",
    "reject_number",
    "release",
    "clear",
    # the Calls API: a test plays the call's progress (calls.py's CallProgress)
    "fail_call_next",
    "incoming_call",
    "ring",
    "answer_call",
    "press",
    "dial_result",
    "repeat_last",
    "hang_up",
)


@dataclass
class ReceivedRequest:
    """One request as the stub saw it; ``status`` is what it answered (None while held)."""

    method: str
    path: str
    form: dict[str, str]
    at_monotonic: float
    at_wall: float
    authorized: bool
    status: int | None = None
    sid: str | None = None  # set when a message was created

    @property
    def to(self) -> str | None:
        return self.form.get("To")

    @property
    def from_(self) -> str | None:
        return self.form.get("From")

    @property
    def body(self) -> str | None:
        return self.form.get("Body")

    @property
    def status_callback(self) -> str | None:
        return self.form.get("StatusCallback")

    @property
    def twiml(self) -> str | None:
        return self.form.get("Twiml")


@dataclass
class Callback:
    """A webhook the stub posted (signed with the auth token), as the app answered it."""

    url: str
    form: dict[str, str]
    status: int
    answer: str


@dataclass
class StubCall:
    """One call placed through the Calls API, as the stub plays it."""

    sid: str
    to: str
    from_: str
    status: str = "queued"
    created: str = ""
    started: str | None = None
    ended: str | None = None
    duration: int | None = None
    url: str | None = None
    status_callback: str | None = None
    events: tuple[str, ...] = ("completed",)  # StatusCallbackEvent; Twilio's default
    # The TwiML the call runs now: given at create or update, or fetched from its Url.
    twiml: str | None = None
    # Where that TwiML came from: a relative action URL in it is resolved against this,
    # as Twilio does (and signs the absolute URL).
    twiml_url: str | None = None
    updates: list[dict[str, str]] = field(default_factory=list)

    def record(self) -> dict:
        return {
            "sid": self.sid,
            "to": self.to,
            "from": self.from_,
            "status": self.status,
            "created": self.created,
            "started": self.started,
            "ended": self.ended,
            "duration": self.duration,
        }


@dataclass
class Script:
    """What to do with the next ``times`` message requests (optionally only those to ``to``)."""

    status: int | None = None  # None: accept the message
    code: int | None = None
    message: str | None = None
    retry_after: int | None = None
    delay: float = 0.0  # seconds before answering; math.inf holds until release()
    accept: bool = True  # the message is created even if the answer is late or an error
    times: int = 1
    to: str | None = None
    drop: bool = False  # close the connection instead of answering


class StubState:
    """The requests a Twilio stand-in received, its scripts, and the answers it decides."""

    def __init__(
        self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN, latency: float = 0.0
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.latency = latency  # added to every message request (benchmarks)
        self._lock = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._created: dict[str, dict] = {}
        self._scripts: deque[Script] = deque()
        self._lookup_scripts: deque[Script] = deque()
        self._rejected: dict[str, int] = {}
        self._release = threading.Event()
        self._calls: dict[str, StubCall] = {}
        self._call_scripts: deque[Script] = deque()
        self._callbacks: list[Callback] = []
        # How a webhook reaches the app: (url, form, signature) -> (HTTP status, body).
        # An HTTP POST by default; a test with Flask's test client sets its own.
        self.deliver: Callable[[str, dict, str], tuple[int, str]] = post_form

    # -- what it received -----------------------------------------------------------

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def messages(self) -> list[ReceivedRequest]:
        """The requests that created a message, in arrival order (a copy)."""
        with self._lock:
            return [r for r in self._requests if r.sid is not None and r.sid.startswith("SM")]

    @property
    def calls(self) -> list[ReceivedRequest]:
        """The requests that created a call, in arrival order (a copy)."""
        with self._lock:
            return [r for r in self._requests if r.sid is not None and r.sid.startswith("CA")]

    @property
    def call_updates(self) -> list[ReceivedRequest]:
        """The requests to update (redirect, end) a call, in arrival order."""
        with self._lock:
            return [
                r
                for r in self._requests
                if r.method == "POST" and (m := CALLS_PATH.match(r.path)) and m.group(2)
            ]

    @property
    def callbacks(self) -> list[Callback]:
        """The webhooks the stub posted, in order (a copy)."""
        with self._lock:
            return list(self._callbacks)

    def call(self, sid: str) -> StubCall:
        with self._lock:
            return self._calls[sid]

    @property
    def lookups(self) -> list[ReceivedRequest]:
        """The list requests (``GET .../Messages.json``), in arrival order; ``form`` holds
        the query parameters."""
        with self._lock:
            return [r for r in self._requests if r.method == "GET" and is_list(r.path)]

    @property
    def sends(self) -> list[ReceivedRequest]:
        """Every request to create a message, whatever it was answered."""
        with self._lock:
            return [r for r in self._requests if r.method == "POST" and MESSAGES_PATH.match(r.path)]

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Block until ``count`` requests arrived (or the timeout); returns them all."""
        with self._lock:
            self._lock.wait_for(lambda: len(self._requests) >= count, timeout)
        return self.requests

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Block until ``count`` messages were created (or the timeout); returns them."""
        with self._lock:
            self._lock.wait_for(
                lambda: sum(r.sid is not None for r in self._requests) >= count, timeout
            )
        return self.messages

    # -- scripting ------------------------------------------------------------------

    def fail_next(
        self,
        status: int | None = None,
        *,
        code: int | None = None,
        times: int = 1,
        message: str | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        to: str | None = None,
        accept: bool = False,
    ) -> None:
        """Refuse the next ``times`` messages (to ``to`` only, if given) with Twilio's error.

        ``fail_next(429, times=3)``, ``fail_next(code=21614)``, ``fail_next(503)``. With
        ``accept`` the message is created all the same and then the error answered (a 5xx
        after Twilio took it: the ambiguous case).
        """
        status, code = status_and_code(status, code)
        self._add(
            Script(status, code, message, retry_after, delay, accept=accept, times=times, to=to)
        )

    def drop_next(self, *, times: int = 1, accept: bool = True, delay: float = 0.0) -> None:
        """Close the connection without answering the next messages (after ``delay``);
        with ``accept`` the message is created first, as when a connection dies after
        Twilio took the request."""
        self._add(Script(delay=delay, accept=accept, times=times, drop=True))

    def fail_lookup_next(
        self,
        status: int | None = None,
        *,
        code: int | None = None,
        times: int = 1,
        retry_after: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Script the next ``times`` list requests: Twilio's error, or with no status a
        late answer (``delay``; ``math.inf`` holds until release())."""
        if status is None and code is None:
            script = Script(delay=delay, times=times)
        else:
            status, code = status_and_code(status, code)
            script = Script(status, code, None, retry_after, delay, times=times)
        with self._lock:
            self._lookup_scripts.append(script)

    def delay_next(self, seconds: float, *, times: int = 1, accept: bool = True) -> None:
        """Answer the next messages late. With ``accept`` the message is created at arrival,
        as Twilio may have done when the client gave up waiting."""
        self._add(Script(delay=seconds, accept=accept, times=times))

    def hang_next(self, *, times: int = 1, accept: bool = False) -> None:
        """Hold the next requests unanswered until ``release()``, ``clear()`` or ``stop()``."""
        self.delay_next(math.inf, times=times, accept=accept)

    def reject_number(self, number: str, code: int = 21614) -> None:
        """Refuse every message to ``number`` with ``code`` (a permanent 4xx) until clear()."""
        with self._lock:
            self._rejected[number] = code

    def release(self) -> None:
        """Let every held request answer now."""
        with self._lock:
            self._release.set()
            self._release = threading.Event()

    def clear(self) -> None:
        """Forget requests, scripts and rejections; release anything held."""
        self.release()
        with self._lock:
            self._requests.clear()
            self._created.clear()
            self._scripts.clear()
            self._lookup_scripts.clear()
            self._rejected.clear()
            self._calls.clear()
            self._call_scripts.clear()
            self._callbacks.clear()
        self.deliver = post_form

    def _add(self, script: Script) -> None:
        with self._lock:
            self._scripts.append(script)

    def _next_script(self, to: str | None) -> Script | None:
        with self._lock:
            if to in self._rejected:
                return Script(status=400, code=self._rejected[to])
            for script in self._scripts:
                if script.to is None or script.to == to:
                    script.times -= 1
                    if script.times <= 0:
                        self._scripts.remove(script)
                    return script
            return None

    # -- answering ------------------------------------------------------------------

    def answer(
        self, method: str, path: str, form: dict[str, str], authorization: str | None
    ) -> tuple[int | None, dict | None]:
        """Record one API request and decide Twilio's answer: (HTTP status, JSON).

        May block, as scripted (a late or held answer). A None status means close the
        connection without answering. ``form`` is the POST body or the GET query.
        """
        if CALLS_PATH.match(path):
            return self._answer_calls(method, path, form, authorization)
        match = MESSAGES_PATH.match(path)
        if match is None:
            auth_error = twilio_error(20404)
        else:
            auth_error = self._check_auth(authorization, match.group(1))
        request = self._record(method, path, form, authorized=auth_error is None)
        if auth_error is not None:
            status, answer = auth_error
        elif method == "POST" and not match.group(2):
            status, answer = self._answer_create(request, match.group(1))
        elif method == "GET" and not match.group(2):
            status, answer = self._answer_list(request, form)
        elif method == "GET" and match.group(2) in self._created:
            status, answer = 200, self._created[match.group(2)]
        else:
            status, answer = twilio_error(20404)
        if status is not None:
            request.status = status
        return status, answer

    def _record(self, method: str, path: str, form: dict, authorized: bool) -> ReceivedRequest:
        request = ReceivedRequest(
            method, path, form, time.monotonic(), time.time(), authorized=authorized
        )
        with self._lock:
            self._requests.append(request)
            self._lock.notify_all()
        return request

    def _create_message(self, request: ReceivedRequest, account_sid: str) -> dict:
        sid = "SM" + uuid.uuid4().hex
        payload = message_json(request.form, account_sid, sid)
        with self._lock:
            request.sid = sid
            self._created[sid] = payload
            self._lock.notify_all()
        return payload

    def _check_auth(self, header: str | None, account_sid: str) -> tuple[int, dict] | None:
        """None when the basic auth is this account's; else Twilio's error answer."""
        try:
            scheme, encoded = (header or "").split(" ", 1)
            user, password = base64.b64decode(encoded).decode().split(":", 1)
        except ValueError:
            return twilio_error(20003)
        if scheme.lower() != "basic" or (user, password) != (self.account_sid, self.auth_token):
            return twilio_error(20003)
        if account_sid != self.account_sid:
            return twilio_error(20404)
        return None

    def _answer_create(self, request: ReceivedRequest, account_sid: str) -> tuple[int, dict]:
        code = refusal_code(request.form)
        if code is not None:
            return twilio_error(code)
        script = self._next_script(request.form.get("To"))
        release = self._release
        if self.latency:
            release.wait(self.latency)
        if script is None:
            return 201, self._create_message(request, account_sid)
        if script.status is None:
            payload = self._create_message(request, account_sid) if script.accept else None
            release.wait(None if math.isinf(script.delay) else script.delay)
            if script.drop:
                return None, None
            return (201, payload) if payload else twilio_error(20500)
        if script.accept:
            self._create_message(request, account_sid)
        if script.delay:
            release.wait(None if math.isinf(script.delay) else script.delay)
        return _scripted_error(script)

    def _answer_list(self, request: ReceivedRequest, query: dict) -> tuple[int, dict]:
        """Twilio's list of messages: filtered by To and From, newest first, paged."""
        with self._lock:
            script = self._lookup_scripts[0] if self._lookup_scripts else None
            if script is not None:
                script.times -= 1
                if script.times <= 0:
                    self._lookup_scripts.popleft()
            release = self._release
        if script is not None:
            if script.delay:
                release.wait(None if math.isinf(script.delay) else script.delay)
            if script.status is not None:
                return _scripted_error(script)
        with self._lock:
            everything = [
                m
                for m in reversed(self._created.values())
                if all(
                    m[field] == query[key]
                    for key, field in (("To", "to"), ("From", "from"))
                    if key in query
                )
            ]
        return list_page(request.path, query, everything)

    # -- the Calls API --------------------------------------------------------------

    def fail_call_next(
        self, status: int | None = None, *, code: int | None = None, times: int = 1
    ) -> None:
        """Refuse the next ``times`` call requests (create or update) with Twilio's error."""
        status, code = status_and_code(status, code)
        with self._lock:
            self._call_scripts.append(Script(status, code, times=times))

    def _answer_calls(
        self, method: str, path: str, form: dict[str, str], authorization: str | None
    ) -> tuple[int, dict]:
        match = CALLS_PATH.match(path)
        account_sid, sid = match.group(1), match.group(2)
        auth_error = self._check_auth(authorization, account_sid)
        request = self._record(method, path, form, authorized=auth_error is None)
        if auth_error is not None:
            status, answer = auth_error
        elif method == "POST" and self._call_scripts:
            with self._lock:
                script = self._call_scripts[0]
                script.times -= 1
                if script.times <= 0:
                    self._call_scripts.popleft()
            status, answer = _scripted_error(script)
        elif method == "POST" and sid is None:
            status, answer = self._create_call(request, account_sid)
        elif sid is not None and sid not in self._calls:
            status, answer = twilio_error(20404)
        elif method == "POST":
            status, answer = self._update_call(self._calls[sid], form, account_sid)
        elif sid is not None:
            status, answer = 200, call_json(self._calls[sid].record(), account_sid)
        else:
            with self._lock:
                everything = [
                    call_json(c.record(), account_sid)
                    for c in reversed(self._calls.values())
                    if all(
                        value == form[key]
                        for key, value in (("To", c.to), ("From", c.from_), ("Status", c.status))
                        if key in form
                    )
                ]
            status, answer = list_page(path, form, everything, key="calls")
        request.status = status
        return status, answer

    def _create_call(self, request: ReceivedRequest, account_sid: str) -> tuple[int, dict]:
        form = request.form
        code = call_refusal_code(form)
        if code is not None:
            return twilio_error(code)
        call = StubCall(
            sid="CA" + uuid.uuid4().hex,
            to=form["To"],
            from_=form["From"],
            created=format_datetime(datetime.now(UTC)),
            url=form.get("Url"),
            twiml=form.get("Twiml"),
            status_callback=form.get("StatusCallback"),
            events=tuple(form.get("StatusCallbackEvent", "completed").split()),
        )
        with self._lock:
            request.sid = call.sid
            self._calls[call.sid] = call
            self._lock.notify_all()
        return 201, call_json(call.record(), account_sid)

    def _update_call(
        self, call: StubCall, form: dict[str, str], account_sid: str
    ) -> tuple[int, dict]:
        """Twilio's update: new TwiML (``Twiml`` or ``Url``) or the end (``Status``)."""
        with self._lock:
            if call.status in ENDED_CALL:
                return twilio_error(21220)
            call.updates.append(dict(form))
            if form.get("Status") in ("completed", "canceled"):
                call.status = form["Status"]
                call.ended = format_datetime(datetime.now(UTC))
            if form.get("Twiml"):
                call.twiml = form["Twiml"]
            elif form.get("Url"):
                call.url, call.twiml = form["Url"], None
        if form.get("Url") and call.status == "in-progress":
            self._fetch_twiml(call, call.url, {})
        return 200, call_json(call.record(), account_sid)

    # -- playing a call's progress (what the phone network does) ----------------------

    def incoming_call(self, url: str, from_: str, to: str) -> str:
        """A call to one of the account's numbers: answered at once by the voice webhook
        at ``url`` (signed, as Twilio posts it), whose TwiML the call then runs. Returns
        the call's sid; the call can be redirected (update) while it is in progress."""
        call = StubCall(
            sid="CA" + uuid.uuid4().hex,
            to=to,
            from_=from_,
            status="in-progress",
            created=format_datetime(datetime.now(UTC)),
            started=format_datetime(datetime.now(UTC)),
        )
        with self._lock:
            self._calls[call.sid] = call
        self._fetch_twiml(call, url, {"Direction": "inbound"})
        return call.sid

    def ring(self, sid: str) -> None:
        """The dialled phone rings: a ``ringing`` status callback if asked for."""
        call = self.call(sid)
        call.status = "ringing"
        self._status_callback(call, "ringing")

    def answer_call(self, sid: str) -> str | None:
        """The dialled phone answers: an ``answered`` status callback if asked for, and
        the call's TwiML fetched from its Url (unless given at create). Returns the TwiML."""
        call = self.call(sid)
        call.status = "in-progress"
        call.started = format_datetime(datetime.now(UTC))
        self._status_callback(call, "answered")
        if call.twiml is None and call.url:
            self._fetch_twiml(call, call.url, {})
        return call.twiml

    def press(self, sid: str, digits: str) -> str:
        """Keys pressed at the call's <Gather>: posted to its action. Returns the answer."""
        call = self.call(sid)
        action = _verb_attribute(call.twiml, "Gather", "action")
        if action is None:
            raise ValueError("the call's TwiML has no <Gather> with an action")
        return self._fetch_twiml(call, action, {"Digits": digits})

    def dial_result(
        self,
        sid: str,
        dial_status: str = "completed",
        dial_duration: int | None = None,
        *,
        action: str | None = None,
    ) -> str:
        """The call's <Dial> ended: its action URL (from the call's TwiML unless given)
        gets ``DialCallStatus`` and, for an answered dial, ``DialCallDuration``. Twilio
        posts it again on a retry: call this twice to deliver it twice. Returns the
        TwiML the app answered. ``repeat_last`` delivers it again, as Twilio's retry does."""
        call = self.call(sid)
        action = action or _verb_attribute(call.twiml, "Dial", "action")
        if action is None:
            raise ValueError("the call's TwiML has no <Dial> with an action")
        extra = {"DialCallSid": "CA" + uuid.uuid4().hex, "DialCallStatus": dial_status}
        if dial_duration is not None:
            extra["DialCallDuration"] = str(dial_duration)
        return self._fetch_twiml(call, action, extra)

    def repeat_last(self, sid: str) -> str:
        """Post the last webhook of this call again, unchanged (Twilio's retry after a
        timeout, or a duplicate delivery). Returns what the app answered."""
        with self._lock:
            last = [c for c in self._callbacks if c.form.get("CallSid") == sid][-1]
        return self._post(last.url, dict(last.form))

    def hang_up(self, sid: str, after: int = 0, status: str = "completed") -> None:
        """The call ends after ``after`` seconds (or was ``busy``, ``no-answer``,
        ``failed``): a status callback with CallStatus and CallDuration."""
        call = self.call(sid)
        call.status = status
        call.duration = after
        call.ended = format_datetime(datetime.now(UTC))
        self._status_callback(call, "completed", {"CallDuration": str(after)})

    def _call_form(self, call: StubCall, extra: dict[str, str]) -> dict[str, str]:
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": call.sid,
            "CallStatus": call.status,
            "Direction": "outbound-api",
            "From": call.from_,
            "To": call.to,
            **extra,
        }

    def _status_callback(self, call: StubCall, event: str, extra: dict | None = None) -> None:
        if call.status_callback and event in call.events:
            self._post(call.status_callback, self._call_form(call, extra or {}))

    def _fetch_twiml(self, call: StubCall, url: str, extra: dict[str, str]) -> str:
        """POST to ``url`` as Twilio does for a call's next TwiML; the answer becomes the
        call's TwiML. A relative ``url`` (a TwiML action) is resolved against the URL the
        call's TwiML came from."""
        url = urljoin(call.twiml_url or call.url or "", url)
        answer = self._post(url, self._call_form(call, extra))
        call.twiml, call.twiml_url = answer, url
        return answer

    def _post(self, url: str, form: dict[str, str]) -> str:
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        status, answer = self.deliver(url, form, signature)
        with self._lock:
            self._callbacks.append(Callback(url, form, status, answer))
        return answer


def post_form(url: str, form: dict, signature: str) -> tuple[int, str]:
    """A webhook over HTTP, signed in ``X-Twilio-Signature``."""
    request = urllib.request.Request(
        url,
        data=urlencode(form).encode(),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _verb_attribute(twiml: str | None, verb: str, attribute: str) -> str | None:
    if not twiml:
        return None
    try:
        root = ElementTree.fromstring(twiml)
    except ElementTree.ParseError:
        return None
    element = root.find(f".//{verb}")
    return None if element is None else element.get(attribute)


def _scripted_error(script: Script) -> tuple[int, dict]:
    status, answer = twilio_error(script.code, script.message, status=script.status)
    if script.retry_after is not None:
        # Not part of the JSON: the server pops it and sends it as the Retry-After header.
        answer["_retry_after"] = script.retry_after
    return status, answer
