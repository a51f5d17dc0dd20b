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

This module is the one to import: it holds the pytest fixtures, ``app_settings`` and the
command line, and re-exports the rest, which lives in

- tests/twilio_stub_api.py: credentials, paths, Twilio's error codes and JSON shapes;
- tests/twilio_stub_state.py: the recorded requests, the scripts, the answers decided;
- tests/twilio_stub_server.py: ``TwilioStub``, the state behind an HTTP server;
- tests/twilio_stub_control.py: ``StubControl``, for a stub in another process.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

import pytest

from tests.twilio_stub_api import (
    ACCOUNT_SID,
    API_VERSION,
    AUTH_TOKEN,
    DEFAULT_CODE,
    E164,
    ERRORS,
    MESSAGES_PATH,
)
from tests.twilio_stub_control import StubControl
from tests.twilio_stub_server import TwilioStub
from tests.twilio_stub_state import ReceivedRequest, StubState

__all__ = [
    "ACCOUNT_SID",
    "API_VERSION",
    "AUTH_TOKEN",
    "DEFAULT_CODE",
    "E164",
    "ERRORS",
    "MESSAGES_PATH",
    "ReceivedRequest",
    "StubControl",
    "StubState",
    "TwilioStub",
    "app_settings",
    "main",
    "twilio_stub",
    "twilio_stub_server",
]


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
        # The first line of stdout is the base URL: bench/load.py reads it to find the stub.
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
