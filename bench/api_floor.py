"""POST /api/leads against its floor, under the same server, back to back.

The floor (bench/floor_app.py) is the real app with one bench-only endpoint that inserts
one row, commits and enqueues one RQ job: the least a logged call costs. Both answer
from gunicorn 2x4 over one database and one Redis; no RQ worker runs, so the figures
are the web answer alone. Each round measures the API, then the floor, with one client
(calls one after another) and with ten at once; the ratio of their p50s is compared
within a round, since other work on the machine moves both alike.

    .venv/bin/python bench/api_floor.py [--rounds 3] [--calls 200] [--serial 50]
    BENCH_DATABASE_URL=postgresql://postgres@localhost/ .venv/bin/python bench/api_floor.py
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import (  # noqa: E402
    Service,
    api_token,
    free_port,
    own_database,
    percentile,
    post_json,
    wait_for_http,
)

WARM_UP = 20


def timed(port: int, clients: int, calls: int, send) -> list[float]:
    """``calls`` requests from ``clients`` keep-alive connections; answer times in s."""
    times: list[float] = []
    lock = threading.Lock()
    per_client = calls // clients

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


def api_caller(token: str):
    counter = iter(range(10**9))

    def log_call(connection, _n):
        n = next(counter)
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

    return log_call


def floor_caller(connection, _n):
    connection.request("POST", "/bench/floor", body=b"{}", headers=_JSON)
    response = connection.getresponse()
    body = response.read()
    if response.status != 201:
        raise RuntimeError(f"POST /bench/floor answered {response.status}: {body[:200]!r}")


_JSON = {"Content-Type": "application/json"}


def create_floor_table(service: Service) -> None:
    """The floor's table, made once before its web workers start."""
    from sqlalchemy import create_engine

    from bench.floor_app import metadata

    url = service.env.get("DATABASE_URL") or "sqlite:///" + os.path.join(
        service.env["INSTANCE_PATH"], "dispatch.sqlite"
    )
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    metadata.create_all(engine)
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=200, help="calls by ten clients")
    parser.add_argument("--serial", type=int, default=50, help="calls one after another")
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()

    with own_database() as url, Service({"DATABASE_URL": url} if url else {}, workers=0) as service:
        create_floor_table(service)
        floor_port = free_port()
        floor = service.gunicorn("bench.floor_app:create_floor_app()", floor_port)
        try:
            wait_for_http(floor_port, "/sign-in")
            api = api_caller(api_token(service))
            timed(service.port, 2, WARM_UP, api)
            timed(floor_port, 2, WARM_UP, floor_caller)
            results: dict[str, list[tuple[float, float]]] = {"1": [], str(args.clients): []}
            for _round in range(args.rounds):
                for clients, calls in ((1, args.serial), (args.clients, args.calls)):
                    api_times = timed(service.port, clients, calls, api)
                    floor_times = timed(floor_port, clients, calls, floor_caller)
                    results[str(clients)].append(
                        (percentile(api_times, 50), percentile(floor_times, 50))
                    )
        finally:
            floor.terminate()
            floor.wait(10)

    database = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(
        f"POST /api/leads against the floor (insert, commit, enqueue): {database}, "
        f"gunicorn 2x4, embedded Redis, no RQ worker; {args.rounds} rounds"
    )
    report = {}
    for clients, pairs in results.items():
        ratios = [a / f for a, f in pairs]
        api_p50 = statistics.median(a for a, _ in pairs) * 1000
        floor_p50 = statistics.median(f for _, f in pairs) * 1000
        print(
            f"  {clients:>2} client(s): API p50 {api_p50:.1f} ms, floor p50 {floor_p50:.1f} ms, "
            f"ratio median {statistics.median(ratios):.1f}x "
            f"(rounds: {', '.join(f'{r:.1f}' for r in ratios)})"
        )
        report[clients] = {"api_ms": api_p50, "floor_ms": floor_p50, "ratios": ratios}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
