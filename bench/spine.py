"""The spine under load, on loopback only and bounded in count and time.

200 calls are logged through the API by 10 clients at once, pages go through the real
twilio client to a local Twilio stub, the deadline is 3 s and nobody answers. Prints the
API's answer time, save -> page request at the stub, and how late each reassignment ran
after its deadline; and a bare Flask 'hello' answered by the same server setup, as the
ratio's base.

    .venv/bin/python bench/spine.py [--calls 200] [--clients 10] [--deadline 3]
    BENCH_DATABASE_URL=postgresql://postgres@localhost/ .venv/bin/python bench/spine.py
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import (  # noqa: E402
    Service,
    api_token,
    free_port,
    own_database,
    percentile,
    post_json,
    summary,
    wait_for_http,
)
from testkit.twilio_stub import TwilioStub, app_settings  # noqa: E402

REF = re.compile(r"Ref (\d+)\.")


def timed_requests(port: int, clients: int, per_client: int, send) -> list[float]:
    """Each client on its own keep-alive connection; answer times in seconds."""
    times: list[float] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in range(per_client):
            start = time.perf_counter()
            send(connection, index * per_client + n)
            elapsed = time.perf_counter() - start
            with lock:
                times.append(elapsed)
        connection.close()

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return times


def measure_hello(service: Service, clients: int, per_client: int) -> list[float]:
    port = free_port()
    process = service.gunicorn("bench.hello:app", port)
    try:
        wait_for_http(port, "/hello")

        def get(connection, _n):
            connection.request("GET", "/hello")
            connection.getresponse().read()

        return timed_requests(port, clients, per_client, get)
    finally:
        process.terminate()
        process.wait(10)


def database_figures(service: Service, started_wall: float):
    """Lead creation times and each missed page's lateness, read straight from the DB."""
    os.environ["INSTANCE_PATH"] = service.env["INSTANCE_PATH"]
    from sqlalchemy import select

    from dispatcher import create_app
    from dispatcher.extensions import db
    from dispatcher.models import Lead, Page

    settings = {"REDIS_URL": service.env["REDIS_URL"], "DEVELOPMENT_MODE": True}
    if service.env.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = service.env["DATABASE_URL"]
    app = create_app(settings)
    with app.app_context():
        created = {
            lead_id: at.replace(tzinfo=UTC).timestamp()
            for lead_id, at in db.session.execute(select(Lead.id, Lead.created_at))
        }
        lateness = [
            (closed - deadline).total_seconds()
            for closed, deadline in db.session.execute(
                select(Page.closed_at, Page.deadline_at).where(Page.state == "missed")
            )
        ]
        db.session.rollback()
    return created, lateness


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--deadline", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--watch",
        type=float,
        default=12.0,
        help="seconds to watch reassignments after the last call",
    )
    args = parser.parse_args()
    per_client = args.calls // args.clients

    with TwilioStub() as stub:
        env = {
            **{k: str(v) for k, v in app_settings(stub).items()},
            "ACK_DEADLINE_SECONDS": str(args.deadline),
            "SWEEP_GRACE_SECONDS": "5",
        }
        with (
            own_database() as url,
            Service(
                {**env, "DATABASE_URL": url} if url else env, workers=args.workers, sweeper=True
            ) as service,
        ):
            token = api_token(service)
            started = time.time()

            def log_call(connection, n):
                status, body = post_json(
                    connection,
                    "/api/leads",
                    {
                        "caller_phone": f"+1202555{n % 10000:04d}",
                        "kind": "buyer",
                        "caller_name": "Bench Caller",
                        "source": "bench",
                    },
                    token,
                )
                if status != 201:
                    raise RuntimeError(f"POST /api/leads answered {status}: {body}")

            api_times = timed_requests(service.port, args.clients, per_client, log_call)
            time.sleep(args.deadline + args.watch)
            hello_times = measure_hello(service, args.clients, per_client)
            created, lateness = database_figures(service, started)
            first_page_at: dict[int, float] = {}
            for message in stub.messages:
                match = REF.search(message.body or "")
                if match:
                    ref = int(match.group(1))
                    first_page_at.setdefault(ref, message.at_wall)
            to_page = [first_page_at[ref] - created[ref] for ref in created if ref in first_page_at]

    database = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(
        f"spine benchmark: {args.calls} calls, {args.clients} clients, deadline "
        f"{args.deadline} s, {args.workers} RQ workers + sweeper, {database}, embedded Redis, "
        "twilio client -> local stub"
    )
    print(f"  API POST /api/leads answer: {summary(api_times)}")
    print(f"  bare Flask hello answer:    {summary(hello_times)}")
    print(
        f"  ratio of p50s (API / hello): "
        f"{percentile(api_times, 50) / percentile(hello_times, 50):.1f}x"
    )
    print(
        f"  saved -> page at the stub:  {summary(to_page)} "
        f"({len(to_page)}/{len(created)} leads paged)"
    )
    early = sum(1 for late in lateness if late < 0)
    print(f"  reassignment after deadline: {summary(lateness)}; early: {early}")
    print(f"  SMS requests at the stub: {len(stub.messages)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
