"""A local Twilio-compatible HTTP server for tests and benchmarks.

The real ``twilio`` client talks to it when ``TWILIO_API_BASE_URL`` points here. It
answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` as Twilio does (201 and the
message's JSON, or Twilio's error JSON), ``GET .../Messages/{sid}.json`` (one message)
and ``GET .../Messages.json`` (the list: ``To``, ``From``, ``PageSize`` and ``Page``,
newest first, in Twilio's paged shape; the ``DateSent`` filters are not modelled),
records every request with its arrival time, and can be scripted to fail, answer late,
hang or drop the connection, with or without having created the message first
(``fail_next(500, accept=True)``, ``hang_next(accept=True)``, ``drop_next()``), and
to fail the list (``fail_lookup_next``).

In a test, ask for the ``twilio_stub`` fixture. In a benchmark, either start it in the
same process (``TwilioStub().start()``) or run ``python -m tests.twilio_stub --port N``,
which prints its base URL on the first line of stdout and is steered over HTTP by
``StubControl(base_url)``.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import re
import signal
import sys
import threading
import time
import urllib.request
import uuid
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fedcba9876543210" * 2
API_VERSION = "2010-04-01"

# Twilio's own codes, their HTTP status and message (docs/errors/<code>).
ERRORS = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    20503: (503, "Service is unavailable. Please try again"),
    21211: (400, "The 'To' number is not a valid phone number."),
    21408: (400, "Permission to send an SMS has not been enabled for the region"),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}
DEFAULT_CODE = {400: 21211, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages(?:/(SM\w+))?\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


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


@dataclass
class _Script:
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


class TwilioStub:
    """A Twilio REST stand-in on 127.0.0.1, in a background thread."""

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.latency = latency  # added to every message request (benchmarks)
        self._lock = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._created: dict[str, dict] = {}
        self._scripts: deque[_Script] = deque()
        self._lookup_scripts: deque[_Script] = deque()
        self._rejected: dict[str, int] = {}
        self._release = threading.Event()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> TwilioStub:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="twilio-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> TwilioStub:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

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
            return [r for r in self._requests if r.sid is not None]

    @property
    def lookups(self) -> list[ReceivedRequest]:
        """The list requests (``GET .../Messages.json``), in arrival order; ``form`` holds
        the query parameters."""
        with self._lock:
            return [r for r in self._requests if r.method == "GET" and _is_list(r.path)]

    @property
    def sends(self) -> list[ReceivedRequest]:
        """Every request to create a message, whatever it was answered."""
        with self._lock:
            return [r for r in self._requests if r.method == "POST"]

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
        status, code = _status_and_code(status, code)
        self._add(
            _Script(status, code, message, retry_after, delay, accept=accept, times=times, to=to)
        )

    def drop_next(self, *, times: int = 1, accept: bool = True, delay: float = 0.0) -> None:
        """Close the connection without answering the next messages (after ``delay``);
        with ``accept`` the message is created first, as when a connection dies after
        Twilio took the request."""
        self._add(_Script(delay=delay, accept=accept, times=times, drop=True))

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
            script = _Script(delay=delay, times=times)
        else:
            status, code = _status_and_code(status, code)
            script = _Script(status, code, None, retry_after, delay, times=times)
        with self._lock:
            self._lookup_scripts.append(script)

    def delay_next(self, seconds: float, *, times: int = 1, accept: bool = True) -> None:
        """Answer the next messages late. With ``accept`` the message is created at arrival,
        as Twilio may have done when the client gave up waiting."""
        self._add(_Script(delay=seconds, accept=accept, times=times))

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

    def _add(self, script: _Script) -> None:
        with self._lock:
            self._scripts.append(script)

    def _next_script(self, to: str | None) -> _Script | None:
        with self._lock:
            if to in self._rejected:
                return _Script(status=400, code=self._rejected[to])
            for script in self._scripts:
                if script.to is None or script.to == to:
                    script.times -= 1
                    if script.times <= 0:
                        self._scripts.remove(script)
                    return script
            return None

    # -- answering ------------------------------------------------------------------

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
        now = format_datetime(datetime.now(UTC))
        body = request.form.get("Body", "")
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"
        payload = {
            "account_sid": account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": request.form.get("From"),
            "messaging_service_sid": request.form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": str(1 if len(body) <= 160 else math.ceil(len(body) / 153)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued" if request.form.get("From") else "accepted",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": request.form.get("To"),
            "uri": uri,
        }
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
            return _error(20003)
        if scheme.lower() != "basic" or (user, password) != (self.account_sid, self.auth_token):
            return _error(20003)
        if account_sid != self.account_sid:
            return _error(20404)
        return None

    def _answer_create(self, request: ReceivedRequest, account_sid: str) -> tuple[int, dict]:
        form = request.form
        for missing, code in (
            (not form.get("To"), 21604),
            (not (form.get("From") or form.get("MessagingServiceSid")), 21603),
            (not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")), 21602),
            (not E164.match(form.get("To", "")), 21211),
            (len(form.get("Body", "")) > 1600, 21617),
        ):
            if missing:
                return _error(code)
        script = self._next_script(form.get("To"))
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
            return (201, payload) if payload else _error(20500)
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
        try:
            size = min(1000, max(1, int(query.get("PageSize", 50))))
            number = max(0, int(query.get("Page", 0)))
        except ValueError:
            return _error(20001, "PageSize and Page must be numbers", status=400)
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
        first = number * size
        chunk = everything[first : first + size]
        base = request.path
        filters = {key: query[key] for key in ("To", "From") if key in query}

        def uri(n: int, **extra) -> str:
            return f"{base}?{urlencode({'PageSize': size, 'Page': n, **filters, **extra})}"

        more = first + size < len(everything)
        return 200, {
            "messages": chunk,
            "start": first,
            "end": first + max(len(chunk) - 1, 0),
            "page": number,
            "page_size": size,
            "uri": uri(number),
            "first_page_uri": uri(0),
            "previous_page_uri": uri(number - 1) if number else None,
            "next_page_uri": uri(number + 1, PageToken=f"PASM{number + 1}") if more else None,
        }


def _status_and_code(status: int | None, code: int | None) -> tuple[int, int]:
    if status is None and code is None:
        raise ValueError("give a status, a Twilio error code or both")
    code = code or DEFAULT_CODE.get(status, 20500)
    status = status or ERRORS.get(code, (400, ""))[0]
    return status, code


def _scripted_error(script: _Script) -> tuple[int, dict]:
    status, answer = _error(script.code, script.message, status=script.status)
    if script.retry_after is not None:
        answer["_retry_after"] = script.retry_after
    return status, answer


def _is_list(path: str) -> bool:
    match = MESSAGES_PATH.match(path)
    return match is not None and match.group(2) is None


def _error(code: int, message: str | None = None, *, status: int | None = None):
    default_status, default_message = ERRORS.get(code, (500, "Error"))
    status = status or default_status
    return status, {
        "code": code,
        "message": message or default_message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _handler_for(stub: TwilioStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the twilio client's session expects
        server_version = "TwilioStub/1"

        def log_message(self, *_args) -> None:  # quiet: tests read stub.requests instead
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            path = urlsplit(self.path).path
            if path.startswith("/_stub/"):
                return self._control(path, raw)
            form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            self._messages("POST", path, form)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path.startswith("/_stub/"):
                return self._control(parts.path, "")
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            self._messages("GET", parts.path, query)

        def _messages(self, method: str, path: str, form: dict) -> None:
            match = MESSAGES_PATH.match(path)
            auth_error = self._auth(match)
            request = stub._record(method, path, form, authorized=auth_error is None)
            if auth_error is not None:
                status, answer = auth_error
            elif method == "POST" and not match.group(2):
                status, answer = stub._answer_create(request, match.group(1))
            elif method == "GET" and not match.group(2):
                status, answer = stub._answer_list(request, form)
            elif method == "GET" and match.group(2) in stub._created:
                status, answer = 200, stub._created[match.group(2)]
            else:
                status, answer = _error(20404)
            if status is None:  # scripted: the connection dies without an answer
                self.close_connection = True
                return
            request.status = status
            self._send(status, answer)

        def _auth(self, match) -> tuple[int, dict] | None:
            if match is None:
                return _error(20404)
            return stub._check_auth(self.headers.get("Authorization"), match.group(1))

        def _control(self, path: str, raw: str) -> None:
            action = path.removeprefix("/_stub/")
            if action == "messages":
                return self._send(200, [asdict(r) for r in stub.messages])
            if action == "requests":
                return self._send(200, [asdict(r) for r in stub.requests])
            if action not in StubControl.ACTIONS:
                return self._send(404, {"error": f"no such action {action!r}"})
            getattr(stub, action)(**(json.loads(raw) if raw else {}))
            self._send(200, {"ok": True})

        def _send(self, status: int, answer) -> None:
            retry_after = answer.pop("_retry_after", None) if isinstance(answer, dict) else None
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                # The client gave up (its timeout) before a late answer: nothing to tell.
                self.close_connection = True

    return Handler


class StubControl:
    """Steer a stub running in another process (``python -m tests.twilio_stub``)."""

    ACTIONS = (
        "fail_next",
        "delay_next",
        "hang_next",
        "drop_next",
        "fail_lookup_next",
        "reject_number",
        "release",
        "clear",
    )

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def messages(self) -> list[dict]:
        return self._call("messages", method="GET")

    def requests(self) -> list[dict]:
        return self._call("requests", method="GET")

    def __getattr__(self, action: str):
        if action not in self.ACTIONS:
            raise AttributeError(action)
        return lambda **kwargs: self._call(action, kwargs)

    def _call(self, action: str, kwargs: dict | None = None, method: str = "POST"):
        data = json.dumps(kwargs).encode() if method == "POST" else None
        request = urllib.request.Request(
            f"{self.base_url}/_stub/{action}", data=data, method=method
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


def app_settings(stub: TwilioStub | str, *, from_number: str = "+12025550100") -> dict:
    """The dispatch app's settings that send through this stub with the real client."""
    base_url = stub if isinstance(stub, str) else stub.base_url
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID if isinstance(stub, str) else stub.account_sid,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN if isinstance(stub, str) else stub.auth_token,
        "TWILIO_FROM_NUMBER": from_number,
        "TWILIO_API_BASE_URL": base_url,
    }


@pytest.fixture(scope="session")
def twilio_stub_server():
    with TwilioStub() as stub:
        yield stub


@pytest.fixture
def twilio_stub(twilio_stub_server):
    """The stub, emptied and unscripted for this test."""
    twilio_stub_server.clear()
    twilio_stub_server.latency = 0.0
    yield twilio_stub_server
    twilio_stub_server.clear()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--account-sid", default=ACCOUNT_SID)
    parser.add_argument("--auth-token", default=AUTH_TOKEN)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per message")
    args = parser.parse_args(argv)
    stub = TwilioStub(
        args.account_sid, args.auth_token, host=args.host, port=args.port, latency=args.latency
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with stub:
        print(stub.base_url, flush=True)
        print(
            f"twilio stub at {stub.base_url}: TWILIO_ACCOUNT_SID={stub.account_sid} "
            f"TWILIO_AUTH_TOKEN={stub.auth_token}",
            file=sys.stderr,
            flush=True,
        )
        stop.wait()


if __name__ == "__main__":
    main()
