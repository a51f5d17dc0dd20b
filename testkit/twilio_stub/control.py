"""``StubControl``: steer a Twilio stub running in another process (``python -m
testkit.twilio_stub``) over its ``/_stub/`` paths, with the same scripting calls as the
in-process stub (``fail_next``, ``hang_next``, ``release``...) and what it received.

Part of the Twilio stub; import it from testkit.twilio_stub.
"""

from __future__ import annotations

import json
import urllib.request

from testkit.twilio_stub.state import CONTROL_ACTIONS


class StubControl:
    """Steer a stub running in another process (``python -m testkit.twilio_stub``)."""

    ACTIONS = CONTROL_ACTIONS

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def messages(self) -> list[dict]:
        return self._call("messages", method="GET")

    def calls(self) -> list[dict]:
        return self._call("calls", method="GET")

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
