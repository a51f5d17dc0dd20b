"""``python -m testkit.twilio_stub``: the stub on its own, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from testkit.twilio_stub import __doc__ as about
from testkit.twilio_stub.api import ACCOUNT_SID, AUTH_TOKEN
from testkit.twilio_stub.server import TwilioStub


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=about.splitlines()[0])
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
