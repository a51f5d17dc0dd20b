"""The office under load (issue #7, Load), on loopback only and bounded in count and time.

10,000 leads are open, their pages out and waiting; a few of their deadlines fall due
every second. Meanwhile 50 coordinators log calls through the API at once, each saving
the next call as soon as the last is saved, and every few seconds 50 salespeople's
replies arrive as signed webhooks at the same moment. The whole service runs as in
production: gunicorn, two RQ workers (one holding the scheduler), the sweeper, the real
twilio client against a local stub. Prints calls logged per second, answer p50/p99 for
logging and for webhooks, and how late each reassignment ran after its deadline.

    .venv/bin/python bench/load.py [--open 10000] [--coordinators 50] [--seconds 60]
    BENCH_DATABASE_URL=postgresql://postgres@localhost/ .venv/bin/python bench/load.py
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import (  # noqa: E402
    ROOT,
    Service,
    api_token,
    deliver_reply,
    own_database,
    percentile,
    post_json,
    service_app,
    summary,
)
from testkit.twilio_stub import ACCOUNT_SID, AUTH_TOKEN, StubControl  # noqa: E402

REF = re.compile(r"Ref (\d+)\.")
OFFICE_NUMBER = "+12025550100"


def open_leads(app, count: int, due_per_second: float, seconds: float, lead_in: float):
    """``count`` leads logged and paged, as if their pages went out earlier: the first
    ``due_per_second * seconds`` fall due one after another from ``lead_in`` seconds from
    now, the rest after the run. Returns (pages due in the run, pages waiting, start).

    The setup must be over before the first deadline: the pages waiting past the run
    are given their deadlines and scheduled first, and the clock starts only then. No
    transaction is open while deadlines are scheduled: on SQLite a transaction holds the
    write lock, and 10,000 schedulings take seconds (measured: the first deadlines of the
    run waited 6-8 s for the benchmark's own setup, which was all of the p99 at 10,000).
    """
    from sqlalchemy import select

    from dispatcher.clock import utcnow
    from dispatcher.extensions import db
    from dispatcher.leads.service import LeadDetails, current_page, log_lead
    from dispatcher.models import Office

    due_count = int(due_per_second * seconds)
    pages: list[tuple[int, int, str]] = []
    with app.app_context():
        # The demo's own office (seed-demo sets up a second beside it): its number is
        # the one the replies are sent to.
        office = db.session.scalar(select(Office).where(Office.phone_number == OFFICE_NUMBER))
        for n in range(count):
            lead = log_lead(
                session=db.session,
                office=office,
                details=LeadDetails(caller_phone=f"+1202556{n % 10000:04d}", kind="buyer"),
                logged_by_id=None,
                actor="bench",
                now=utcnow(),
                deadline_seconds=300,
                region="US",
            )
            page = current_page(session=db.session, lead_id=lead.id)
            # Out already, in the same transaction: the sweeper must not send these
            # pages (nor schedule their deadlines) while the rest are being logged.
            page.sent_at = page.send_claimed_at = utcnow()
            page.deadline_at = page.sent_at + timedelta(hours=2)
            page.message_sid = f"SM{page.id:032x}"  # Twilio's shape: SM and 32 hex digits
            pages.append((page.id, page.lead_id, page.to_number))
            if n % 500 == 499:
                db.session.commit()
                print(f"  {n + 1} open leads logged", end="\r", flush=True)
        db.session.commit()
        later = (utcnow() + timedelta(seconds=lead_in + seconds + 3600)).replace(microsecond=0)
        set_deadlines([(page_id, later) for page_id, _lead, _to in pages[due_count:]])
        start = utcnow() + timedelta(seconds=lead_in)
        due = [
            (page_id, (start + timedelta(seconds=index / due_per_second)).replace(microsecond=0))
            for index, (page_id, _lead, _to) in enumerate(pages[:due_count])
        ]
        set_deadlines(due)
    print()
    return [page_id for page_id, _when in due], pages[due_count:], start


def set_deadlines(deadlines: list[tuple[int, datetime]]) -> None:
    """Store the pages' deadlines, then schedule their checks with no transaction open."""
    from sqlalchemy import update

    from dispatcher.extensions import db
    from dispatcher.models import Page
    from dispatcher.queue import schedule_deadline

    for first in range(0, len(deadlines), 1000):
        rows = [{"id": i, "deadline_at": when} for i, when in deadlines[first : first + 1000]]
        db.session.execute(update(Page), rows)
        db.session.commit()
    for page_id, when in deadlines:
        schedule_deadline(page_id, when)


def coordinators(
    port: int, token: str, clients: int, until: float, cap: int, think: float
) -> list[float]:
    """Each coordinator saves a call on their own connection, then takes about ``think``
    seconds (0.5x-1.5x, at random) before the next, until ``until``."""
    times: list[float] = []
    lock = threading.Lock()
    numbers = iter(range(10**6))

    def coordinator(index: int) -> None:
        pause = random.Random(index)
        # Coordinators do not all start on the same instant either.
        time.sleep(pause.uniform(0, think))
        while time.time() < until:
            with lock:
                n = next(numbers)
            if n >= cap:
                break
            # A new connection per call, as gunicorn closes idle ones after 2 s.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            began = time.perf_counter()
            status, body = post_json(
                connection,
                "/api/leads",
                {"caller_phone": f"+1202557{n % 10000:04d}", "kind": "buyer", "source": "load"},
                token,
            )
            elapsed = time.perf_counter() - began
            connection.close()
            if status != 201:
                raise RuntimeError(f"POST /api/leads answered {status}: {body}")
            with lock:
                times.append(elapsed)
            time.sleep(pause.uniform(0.5, 1.5) * think)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(coordinator, range(clients)))
    return times


def reply_burst(port: int, auth_token: str, acks: list[tuple[int, int, str]]) -> list[float]:
    """Each salesperson's "OK <ref>" as Twilio would deliver it, all at the same moment."""
    start = threading.Barrier(len(acks))

    def deliver(ack: tuple[int, int, str]) -> float:
        page_id, lead_id, number = ack
        params = {
            # Twilio's shapes (the webhook refuses others); "f" sets replies apart from pages.
            "MessageSid": f"SMf{page_id:031x}",
            "AccountSid": ACCOUNT_SID,
            "From": number,
            "To": OFFICE_NUMBER,
            "Body": f"OK {lead_id}",
        }
        start.wait()
        status, elapsed = deliver_reply(port, auth_token, params)
        if status != 200:
            raise RuntimeError(f"webhook answered {status}")
        return elapsed

    with ThreadPoolExecutor(len(acks)) as pool:
        return list(pool.map(deliver, acks))


def deadline_figures(app, due_pages: list[int]) -> tuple[list[float], int, Counter]:
    """Lateness of each reassignment of a page that fell due in the run, how many of
    them were never enforced, and how each page ended."""
    from sqlalchemy import select

    from dispatcher.extensions import db
    from dispatcher.models import Page

    with app.app_context():
        rows = db.session.execute(
            select(Page.state, Page.closed_at, Page.deadline_at).where(Page.id.in_(due_pages))
        ).all()
        db.session.rollback()
    lateness = [(closed - deadline).total_seconds() for state, closed, deadline in rows if closed]
    ends = Counter(state for state, _closed, _deadline in rows)
    return lateness, ends.get("open", 0), ends


@contextlib.contextmanager
def twilio_stub_process():
    """The Twilio stub in a process of its own: in this one, with a hundred client
    threads, it would wait for the GIL and slow every page send it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "testkit.twilio_stub"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", type=int, default=10_000, help="leads open before the run")
    parser.add_argument("--coordinators", type=int, default=50)
    parser.add_argument(
        "--think",
        type=float,
        default=5.0,
        help="seconds each coordinator takes between saves (0: back to back, a stress test)",
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run")
    parser.add_argument("--max-calls", type=int, default=5000, help="at most this many calls")
    parser.add_argument("--due-per-second", type=float, default=5.0)
    parser.add_argument("--burst", type=int, default=50, help="webhooks arriving at once")
    parser.add_argument("--burst-every", type=float, default=5.0)
    args = parser.parse_args()

    with twilio_stub_process() as stub_url:
        stub = StubControl(stub_url)
        env = {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": OFFICE_NUMBER,
            "TWILIO_API_BASE_URL": stub_url,
            # Every request here comes from 127.0.0.1; the per-address limits are for
            # the open internet, not for a benchmark's fifty clients.
            "WEBHOOK_RATE_LIMIT": "100000 per minute",
        }
        with (
            own_database() as url,
            Service(
                {**env, "DATABASE_URL": url} if url else env, workers=2, sweeper=True
            ) as service,
        ):
            from dispatcher.clock import utcnow

            token = api_token(service)
            app = service_app(service)
            print(f"setting up {args.open} open leads ...")
            began = time.perf_counter()
            due, waiting, start = open_leads(app, args.open, args.due_per_second, args.seconds, 5)
            print(f"  set up in {time.perf_counter() - began:.0f} s")
            time.sleep(max(0.0, 5 - (time.perf_counter() - began)))
            stub.clear()
            run_began = time.time()
            until = run_began + args.seconds
            webhook_times: list[float] = []

            def bursts() -> None:
                replies = iter(waiting)
                while time.time() + args.burst_every < until:
                    time.sleep(args.burst_every)
                    batch = [next(replies) for _ in range(args.burst)]
                    webhook_times.extend(reply_burst(service.port, AUTH_TOKEN, batch))

            replier = threading.Thread(target=bursts, daemon=True)
            replier.start()
            call_times = coordinators(
                service.port, token, args.coordinators, until, args.max_calls, args.think
            )
            logging_seconds = time.time() - run_began
            replier.join()
            # The last deadline of the run falls due after the run ends (the first
            # comes 5 s into it): give its reassignment 3 s, as for every other.
            last_due = start + timedelta(seconds=len(due) / args.due_per_second)
            time.sleep(max(3.0, (last_due - utcnow()).total_seconds() + 3))
            lateness, unenforced, ends = deadline_figures(app, due)
            bodies = [(m["form"].get("To"), m["form"].get("Body") or "") for m in stub.messages()]
            refs = Counter(
                (to, REF.search(body).group(1)) for to, body in bodies if REF.search(body)
            )

    database = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(
        f"load benchmark on {database}, embedded Redis, gunicorn 2x4, 2 RQ workers + sweeper; "
        f"{args.open} open leads, {len(due)} deadlines due over {args.seconds:.0f} s "
        f"({args.due_per_second}/s), {args.coordinators} coordinators saving a call every "
        f"~{args.think:g} s"
    )
    print(
        f"  calls logged: {len(call_times)} in {logging_seconds:.1f} s = "
        f"{len(call_times) / logging_seconds:.1f} per second"
    )
    print(f"  logging a call (POST /api/leads): {summary(call_times)}")
    print(f"  webhooks, {args.burst} at once: {summary(webhook_times)}")
    early = sum(1 for late in lateness if late < 0)
    print(f"  reassignment after its deadline: {summary(lateness, 's', 1.0)}; early: {early}")
    print(f"  deadlines of the run never enforced: {unenforced}; pages ended {dict(ends)}")
    duplicates = sum(n - 1 for n in refs.values() if n > 1)
    print(f"  SMS at the stub during the run: {sum(refs.values())}, duplicates: {duplicates}")
    if call_times:
        print(
            "  p99 logging / p50 logging: "
            f"{percentile(call_times, 99) / percentile(call_times, 50):.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
