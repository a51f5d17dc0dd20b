"""The Twilio stub's HTTP side: ``TwilioStub`` serves a ``StubState`` on 127.0.0.1 from a
background thread, answering Twilio's message paths and the ``/_stub/`` control paths
that ``StubControl`` calls from another process.

Clients drop their connections here on purpose (a timeout, a hung request let go, a
worker killed mid-request); the server takes that quietly and still reports any other
error. Part of the Twilio stub; import it from testkit.twilio_stub.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from testkit.twilio_stub.api import ACCOUNT_SID, AUTH_TOKEN, twilio_error
from testkit.twilio_stub.recordings import RECORDINGS_PATH, StubRecordings
from testkit.twilio_stub.state import CONTROL_ACTIONS, StubState


class TwilioStub(StubState):
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
        super().__init__(account_sid, auth_token, latency)
        self.recordings = StubRecordings(account_sid, auth_token)
        self._server = _Server((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

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

    def clear(self) -> None:
        super().clear()
        self.recordings.clear()

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


# A client that went away mid-request: what the tests and benchmarks do on purpose.
DROPPED = (ConnectionResetError, BrokenPipeError)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A class attribute: socketserver reads it when it starts listening, in __init__. A
    # load bench opens a hundred connections at once; the default backlog is 5.
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        # socketserver prints a traceback for any exception out of a handler. A dropped
        # connection (reading the request, or writing an answer outside _send) is no
        # fault of the stub; anything else is, and keeps its traceback.
        if isinstance(sys.exception(), DROPPED):
            return
        super().handle_error(request, client_address)


def _handler_for(stub: TwilioStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the twilio client's session expects
        server_version = "TwilioStub/1"

        def log_request(self, *_args) -> None:
            # No line per request: tests read stub.requests instead. log_error (a malformed
            # request, an unsupported method) still prints, as a fault worth seeing.
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            path = urlsplit(self.path).path
            if path.startswith("/_stub/"):
                return self._control(path, raw)
            # A repeated field (the Calls API's StatusCallbackEvent) keeps every value,
            # space-separated.
            form = {k: " ".join(v) for k, v in parse_qs(raw, keep_blank_values=True).items()}
            self._messages("POST", path, form)

        def do_DELETE(self) -> None:
            path = urlsplit(self.path).path
            if RECORDINGS_PATH.match(path):
                return self._recording("DELETE", path)
            self._send(*twilio_error(20404))

        def _recording(self, method: str, path: str) -> None:
            status, body, content_type = stub.recordings.answer(
                method, path, self.headers.get("Authorization")
            )
            if isinstance(body, dict) or body is None:
                if body is None:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                return self._send(status, body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path.startswith("/_stub/"):
                return self._control(parts.path, "")
            if RECORDINGS_PATH.match(parts.path):
                return self._recording("GET", parts.path)
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            self._messages("GET", parts.path, query)

        def _messages(self, method: str, path: str, form: dict) -> None:
            status, answer = stub.answer(method, path, form, self.headers.get("Authorization"))
            if status is None:  # scripted: the connection dies without an answer
                self.close_connection = True
                return
            self._send(status, answer)

        def _control(self, path: str, raw: str) -> None:
            action = path.removeprefix("/_stub/")
            if action == "messages":
                return self._send(200, [asdict(r) for r in stub.messages])
            if action == "requests":
                return self._send(200, [asdict(r) for r in stub.requests])
            if action == "calls":
                return self._send(200, [asdict(r) for r in stub.calls])
            if action not in CONTROL_ACTIONS:
                return self._send(404, {"error": f"no such action {action!r}"})
            result = getattr(stub, action)(**(json.loads(raw) if raw else {}))
            self._send(200, {"ok": True} if result is None else {"ok": True, "result": result})

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
