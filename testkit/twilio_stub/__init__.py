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

The Calls API too: ``POST .../Calls.json`` (create, with ``Url`` or ``Twiml``,
``StatusCallback`` and ``StatusCallbackEvent``), ``POST .../Calls/{sid}.json`` (update:
``Twiml``, ``Url``, ``Status``; 21220 once the call ended), ``GET`` of one call or the
list. The phone network is played by the test: ``ring``, ``answer_call`` (fetches the
call's TwiML from its Url), ``press`` (keys posted to the <Gather>'s action),
``dial_result`` (``DialCallStatus``/``DialCallDuration`` posted to the <Dial>'s action)
``repeat_last`` (the same webhook again, as Twilio retries)
and ``hang_up`` (a status callback with ``CallDuration``), every webhook signed with the
auth token as Twilio signs it and posted by ``deliver`` (HTTP by default; a test with
Flask's test client sets its own). ``fail_call_next`` refuses the next call request.

In a test, ask for the ``twilio_stub`` fixture (tests/conftest.py). In a benchmark, either
start it in the same process (``TwilioStub().start()``) or run ``python -m
testkit.twilio_stub --port N`` (__main__.py), which prints its base URL on the first line
of stdout and is steered over HTTP by ``StubControl(base_url)``.

This package is the one to import: it holds ``app_settings`` and re-exports the rest,
which lives in

- testkit/twilio_stub/api.py: credentials, paths, Twilio's error codes and JSON shapes;
- testkit/twilio_stub/state.py: the recorded requests, the scripts, the answers decided;
- testkit/twilio_stub/server.py: ``TwilioStub``, the state behind an HTTP server;
- testkit/twilio_stub/control.py: ``StubControl``, for a stub in another process.
"""

from __future__ import annotations

from testkit.twilio_stub.api import (
    ACCOUNT_SID,
    API_VERSION,
    AUTH_TOKEN,
    CALLS_PATH,
    DEFAULT_CODE,
    E164,
    ERRORS,
    MESSAGES_PATH,
)
from testkit.twilio_stub.control import StubControl
from testkit.twilio_stub.server import TwilioStub
from testkit.twilio_stub.state import Callback, ReceivedRequest, StubCall, StubState

__all__ = [
    "ACCOUNT_SID",
    "API_VERSION",
    "AUTH_TOKEN",
    "CALLS_PATH",
    "Callback",
    "DEFAULT_CODE",
    "E164",
    "ERRORS",
    "MESSAGES_PATH",
    "ReceivedRequest",
    "StubCall",
    "StubControl",
    "StubState",
    "TwilioStub",
    "app_settings",
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
