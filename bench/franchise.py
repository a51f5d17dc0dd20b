"""Issue 18, scale: many offices on one PostgreSQL and one Redis, on loopback only and
bounded in count and time.

1,000 offices of 20 salespeople each (every office with its own Twilio number and API
token) are loaded in bulk through the app's own services. Calls arrive through
POST /api/leads at a fixed rate, open loop (each at its scheduled instant, whatever the
answers before it), each for an office drawn at random. The Twilio stub answers every
message after 300 ms. The first salesperson paged misses it (a short deadline,
ACK_DEADLINE_SECONDS=5, so it is reassigned within the run); the second replies "OK <ref>"
a second after their page, as a signed webhook. So each call makes two pages and one
reassignment (--missed sets the share of calls whose first page is missed).

For each number of RQ worker processes (and of sending threads in each,
WORKER_THREADS), rates go up 1, 2, 4, 8 ... calls a second until one fails: saved ->
page at the stub p99 under 1 s, reassignment (the next page written) after its
deadline p99 under 1.2 s and never before it, every lead paged. Prints per rate and a
table: the highest passing rate, its figures, pages per second per worker process, and
CPU per page (the workers' CPU time over the pages sent: the wait on Twilio is no CPU),
with the API's, PostgreSQL's and Redis's CPU per call for the on-paper scaling.

    .venv/bin/python bench/franchise.py --quick          (a small smoke run, ~1 min)
    .venv/bin/python bench/franchise.py --workers 2 4 8 --threads 1 8
    BENCH_DATABASE_URL=postgresql://postgres@localhost:5432/postgres (the default server)
"""

from __future__ import annotations

import argparse
import heapq
import http.client
import os
import random
import re
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import (  # noqa: E402
    Service,
    cpu_seconds,
    cpu_used,
    deliver_reply,
    machine_busy,
    own_database,
    percentile,
    post_json,
    process_tree,
    service_app,
)
from testkit.twilio_stub import ACCOUNT_SID, AUTH_TOKEN, TwilioStub, app_settings  # noqa: E402

REF = re.compile(r"Ref (\d+)\.")
DEFAULT_SERVER = "postgresql://postgres@localhost:5432/postgres"
PAGE_P99 = 1.0  # saved -> page at Twilio, seconds
LATE_P99 = 1.2  # the reassignment after its deadline, seconds


@dataclass
class Branch:
    """One office as the bench drives it: its Twilio number and API token."""

    id: int
    number: str
    token: str


def load_offices(app, offices: int, salespeople: int) -> list[Branch]:
    """The offices through the app's services (create_office, create_token), their
    salespeople and round-the-clock hours in bulk INSERTs; one transaction."""
    from sqlalchemy import insert

    from dispatcher.api.tokens import create_token
    from dispatcher.clock import utcnow
    from dispatcher.extensions import db
    from dispatcher.models import OfficeHours, Salesperson
    from dispatcher.office.setup import create_office

    branches = []
    with app.app_context():
        now = utcnow()
        for n in range(offices):
            office = create_office(
                session=db.session,
                name=f"Office {n + 1:04d}",
                timezone="America/New_York",
                phone=f"+13122{n:06d}",
                manager_mobile=f"+13123{n:06d}",
                region="US",
            )
            token = create_token(session=db.session, name="franchise", office_id=office.id, now=now)
            branches.append(Branch(office.id, office.phone_number, token))
        db.session.execute(
            insert(Salesperson),
            [
                {
                    "office_id": branch.id,
                    "name": f"Salesperson {n + 1} of office {branch.id}",
                    "mobile": f"+1415{2000000 + index * salespeople + n:07d}",
                }
                for index, branch in enumerate(branches)
                for n in range(salespeople)
            ],
        )
        # Round the clock: calls page at once whatever the hour of the run.
        db.session.execute(
            insert(OfficeHours),
            [
                {"office_id": branch.id, "weekday": day, "opens": 0, "closes": 1440}
                for branch in branches
                for day in range(7)
            ],
        )
        db.session.commit()
    return branches


class Replier:
    """The salespeople: watches the stub for pages and answers "OK <ref>" ``ack_after``
    seconds after the page that is to be acknowledged (the second of a lead whose first
    is missed, else the first), as a signed webhook."""

    def __init__(self, stub: TwilioStub, port: int, *, missed: float, ack_after: float):
        self.stub, self.port = stub, port
        self.missed, self.ack_after = missed, ack_after
        self.pages: dict[int, list[float]] = {}  # ref -> stub arrival of each page
        self.statuses: list[int] = []
        self._seen: set[str] = set()
        self._due: list[tuple[float, int, dict]] = []
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(8, "replier")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def first_missed(self, ref: int) -> bool:
        return (ref * 7919) % 1000 < self.missed * 1000

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            for message in self.stub.messages:
                if message.sid in self._seen:
                    continue
                self._seen.add(message.sid)
                match = REF.search(message.body or "")
                if match is None:
                    continue
                ref = int(match.group(1))
                arrivals = self.pages.setdefault(ref, [])
                arrivals.append(message.at_wall)
                if len(arrivals) == (2 if self.first_missed(ref) else 1):
                    params = {
                        "MessageSid": f"SMe{ref:031x}",
                        "AccountSid": ACCOUNT_SID,
                        "From": message.to,
                        "To": message.from_,
                        "Body": f"OK {ref}",
                    }
                    heapq.heappush(self._due, (message.at_wall + self.ack_after, ref, params))
            while self._due and self._due[0][0] <= time.time():
                _at, _ref, params = heapq.heappop(self._due)
                self._pool.submit(self._reply, params)

    def _reply(self, params: dict) -> None:
        status, _seconds = deliver_reply(self.port, AUTH_TOKEN, params)
        self.statuses.append(status)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._pool.shutdown(wait=True)


@dataclass
class Calls:
    lead_ids: list[int] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    failed: int = 0
    late_arrivals: list[float] = field(default_factory=list)  # sent after its instant


def post_calls(port: int, branches: list[Branch], rate: float, seconds: float, first: int):
    """``rate * seconds`` calls, the n-th at start + n / rate, to offices drawn at random;
    the calls are not held back by slow answers (a thread per call in flight)."""
    count = max(1, round(rate * seconds))
    chance = random.Random(first)
    offices = [chance.choice(branches) for _ in range(count)]
    calls = Calls()
    lock = threading.Lock()
    start = time.time() + 0.2

    def call(n: int) -> None:
        at = start + n / rate
        time.sleep(max(0.0, at - time.time()))
        began = time.time()
        caller = {
            "caller_phone": f"+1646{2000000 + (first + n) % 100000:07d}",
            "kind": "buyer",
            "source": "franchise",
        }
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            status, body = post_json(connection, "/api/leads", caller, offices[n].token)
        except (OSError, http.client.HTTPException, ValueError):
            status, body = 0, {}
        finally:
            connection.close()
        with lock:
            calls.late_arrivals.append(began - at)
            calls.answers.append(time.time() - began)
            if status == 201:
                calls.lead_ids.append(body["id"])
            else:
                calls.failed += 1

    threads = min(256, max(16, int(rate * 3)))
    with ThreadPoolExecutor(threads, "caller") as pool:
        list(pool.map(call, range(count)))
    return calls


@dataclass
class Step:
    rate: float
    calls: int
    failed: int
    to_page: list[float]
    unpaged: int
    late: list[float]  # next page written - deadline
    late_at_twilio: list[float]  # next page at the stub - deadline
    unenforced: int
    pages: int  # sent in the step, its drain included
    sms: int  # the pages and every other SMS (the "taken" notice to who missed a page)
    steady_pages_per_second: float
    worker_cpu: float
    web_cpu: float
    database_cpu: float
    redis_cpu: float
    machine: float  # busy share of all cores during the step
    others: float  # the share of all cores busy with anything but this bench's processes
    load: float
    api_p99: float
    arrivals_late_max: float

    @property
    def passed(self) -> bool:
        return (
            self.failed == 0
            and self.unpaged == 0
            and self.unenforced == 0
            and bool(self.to_page)
            and percentile(self.to_page, 99) < PAGE_P99
            and (not self.late or (percentile(self.late, 99) < LATE_P99 and min(self.late) >= 0))
        )


def lead_figures(app, lead_ids: list[int], pages_at: dict[int, list[float]], first_missed):
    """saved -> first page at the stub; each reassignment's lateness (next page written,
    and at the stub, after the missed page's deadline); leads unpaged / unreassigned."""
    from sqlalchemy import select

    from dispatcher.extensions import db
    from dispatcher.models import Lead, Page

    with app.app_context():
        created = dict(
            db.session.execute(select(Lead.id, Lead.created_at).where(Lead.id.in_(lead_ids))).all()
        )
        rows = db.session.execute(
            select(Page.lead_id, Page.state, Page.deadline_at, Page.created_at)
            .where(Page.lead_id.in_(lead_ids))
            .order_by(Page.lead_id, Page.id)
        ).all()
        db.session.rollback()
    by_lead: dict[int, list] = {}
    for row in rows:
        by_lead.setdefault(row.lead_id, []).append(row)
    to_page, late, late_at_twilio = [], [], []
    unpaged = unenforced = 0
    for lead_id, at in created.items():
        stamp = at.replace(tzinfo=UTC).timestamp()
        arrivals = pages_at.get(lead_id, [])
        if not arrivals:
            unpaged += 1
            continue
        to_page.append(arrivals[0] - stamp)
        pages = by_lead.get(lead_id, [])
        if not first_missed(lead_id):
            continue
        if len(pages) < 2 or pages[0].state != "missed":
            unenforced += 1
            continue
        deadline = pages[0].deadline_at.replace(tzinfo=UTC).timestamp()
        late.append(pages[1].created_at.replace(tzinfo=UTC).timestamp() - deadline)
        if len(arrivals) > 1:
            late_at_twilio.append(arrivals[1] - deadline)
    return to_page, unpaged, late, late_at_twilio, unenforced


def database_backends(app) -> list[int]:
    """The PostgreSQL server processes serving this run's database (same machine)."""
    from sqlalchemy import text

    from dispatcher.extensions import db

    with app.app_context():
        pids = db.session.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        found = list(pids)
        db.session.rollback()
    return found


def run_step(service, app, stub, replier, branches, rate, args, first) -> Step:
    groups = {
        "worker": lambda: process_tree([p.pid for p in service.worker_processes]),
        "web": lambda: process_tree([service.web.pid]),
        "database": lambda: database_backends(app),
        "redis": lambda: [service.redis_process.pid] if service.redis_process else [],
        # The sweeper, and this process (the callers, the salespeople, the Twilio stub).
        "rest": lambda: (
            [os.getpid()]
            + [
                p.pid
                for p in service.processes
                if p not in service.worker_processes
                and p is not service.web
                and p is not service.redis_process
            ]
        ),
    }
    before = {name: cpu_seconds(pids()) for name, pids in groups.items()}
    busy_before, total_before = machine_busy()
    began = time.time()
    calls = post_calls(service.port, branches, rate, args.duration, first)
    # The last call's first deadline, its reassignment and the second page's reply.
    time.sleep(args.deadline + args.ack_after + 3)
    ended = time.time()
    after = {name: cpu_seconds(pids()) for name, pids in groups.items()}
    busy_after, total_after = machine_busy()
    to_page, unpaged, late, late_at_twilio, unenforced = lead_figures(
        app, calls.lead_ids, replier.pages, replier.first_missed
    )
    messages = [m for m in stub.messages if began <= m.at_wall <= ended]
    sent = [m.at_wall for m in messages if REF.search(m.body or "")]  # pages, not notices
    # Steady: from the first reassignments on (each call two pages) to the last call.
    steady_from, steady_to = began + args.deadline + 2, began + args.duration
    steady = sum(1 for at in sent if steady_from <= at <= steady_to)
    used = {name: cpu_used(before[name], after[name]) for name in groups}
    return Step(
        rate=rate,
        calls=len(calls.lead_ids) + calls.failed,
        failed=calls.failed,
        to_page=to_page,
        unpaged=unpaged,
        late=late,
        late_at_twilio=late_at_twilio,
        unenforced=unenforced,
        pages=len(sent),
        sms=len(messages),
        steady_pages_per_second=steady / max(1e-9, steady_to - steady_from),
        worker_cpu=used["worker"],
        web_cpu=used["web"],
        database_cpu=used["database"],
        redis_cpu=used["redis"],
        machine=(busy_after - busy_before) / max(1e-9, total_after - total_before),
        others=(busy_after - busy_before - sum(used.values()))
        / max(1e-9, total_after - total_before),
        load=os.getloadavg()[0],
        api_p99=percentile(calls.answers, 99),
        arrivals_late_max=max(calls.late_arrivals, default=0.0),
    )


def describe(step: Step, workers: int) -> str:
    ms = lambda values, q: f"{percentile(values, q) * 1000:.0f}" if values else "-"  # noqa: E731
    pages_per_second = step.steady_pages_per_second
    return (
        f"  {step.rate:5g}/s {'PASS' if step.passed else 'FAIL'}: {step.calls} calls "
        f"({step.failed} failed, API p99 {step.api_p99 * 1000:.0f} ms, arrivals late <= "
        f"{step.arrivals_late_max * 1000:.0f} ms); saved->page p50/p99 "
        f"{ms(step.to_page, 50)}/{ms(step.to_page, 99)} ms, unpaged {step.unpaged}; "
        f"reassignment late p99 {ms(step.late, 99)} ms min "
        f"{min(step.late, default=float('nan')) * 1000:.0f} ms (at Twilio p99 "
        f"{ms(step.late_at_twilio, 99)} ms), unenforced {step.unenforced}; "
        f"{step.pages} pages, {pages_per_second / workers:.1f}/s per worker; CPU/page "
        f"{step.worker_cpu / max(1, step.pages) * 1000:.1f} ms ({step.sms} SMS: "
        f"{step.worker_cpu / max(1, step.sms) * 1000:.1f} ms/SMS); machine {step.machine:.0%} "
        f"busy ({step.others:.0%} by others), load {step.load:.1f}"
    )


def drain(service, app, stub, replier, branches, threads: int, args) -> tuple:
    """One worker process against a queue full of pages: ``args.drain`` calls logged with
    no worker running (nor the sweeper), then one worker started. SMS per second from
    its first page at the stub to the last call's first page, and its CPU per SMS."""
    calls = post_calls(service.port, branches, 25, args.drain / 25, 10**6 + threads * 10**4)
    wanted = set(calls.lead_ids)
    service.start_workers(1, {"WORKER_THREADS": str(threads)})
    wait_for_workers(app, 1)
    pids = process_tree([p.pid for p in service.worker_processes])
    before = cpu_seconds(pids)
    end = time.monotonic() + 300
    while time.monotonic() < end and not all(replier.pages.get(ref) for ref in wanted):
        time.sleep(0.2)
    after = cpu_seconds(process_tree([p.pid for p in service.worker_processes]))
    firsts = sorted(replier.pages[ref][0] for ref in wanted if replier.pages.get(ref))
    window = (firsts[0], firsts[-1]) if firsts else (0.0, 0.0)
    sms = sum(1 for m in stub.messages if window[0] <= m.at_wall <= window[1])
    seconds = max(1e-9, window[1] - window[0])
    cpu = cpu_used(before, after)
    print(
        f"  drain, 1 worker x {threads} threads: {len(firsts)}/{len(wanted)} first pages in "
        f"{seconds:.1f} s, {sms} SMS = {sms / seconds:.1f} SMS/s; worker CPU "
        f"{cpu:.1f} s = {cpu / max(1, sms) * 1000:.1f} ms per SMS",
        flush=True,
    )
    # What the drain left (deadlines, the second pages, the replies) before the next.
    time.sleep(args.deadline + args.ack_after + 3)
    service.stop_workers()
    return threads, len(firsts), seconds, sms, cpu


def wait_for_workers(app, count: int, timeout: float = 60.0) -> None:
    from rq import Worker

    from dispatcher.queue import queue

    with app.app_context():
        connection = queue().connection
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            lock = connection.get("rq:scheduler-lock:dispatch")
            if Worker.count(connection=connection) >= count and lock:
                return
            time.sleep(0.2)
    raise RuntimeError(f"{count} RQ workers did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offices", type=int, default=1000)
    parser.add_argument("--salespeople", type=int, default=20)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of calls a rate")
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument(
        "--threads", type=int, nargs="+", default=[1, 8], help="WORKER_THREADS to try"
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[1, 2, 4, 8, 16, 32, 64])
    parser.add_argument("--latency", type=float, default=0.3, help="the stub's answer, s")
    parser.add_argument("--deadline", type=int, default=5, help="ACK_DEADLINE_SECONDS")
    parser.add_argument("--ack-after", type=float, default=1.0)
    parser.add_argument("--missed", type=float, default=1.0, help="share of first pages missed")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--budget", type=float, default=300.0, help="seconds at most a setup")
    parser.add_argument(
        "--retry",
        type=int,
        default=0,
        help="run a failing rate this many times more before stopping (a shared machine)",
    )
    parser.add_argument(
        "--drain",
        type=int,
        default=100,
        help="calls queued at once for one worker to drain, per --threads (0: none)",
    )
    parser.add_argument("--no-steps", action="store_true", help="only the drain")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args()
    if args.duration < args.deadline + 5:
        parser.error("--duration: at least the deadline + 5 s (pages are measured steady)")
    if args.quick:
        args.offices, args.salespeople, args.duration, args.deadline = 20, 5, 10, 3
        args.workers, args.threads, args.rates, args.drain = [2], [1, 4], [1, 4], 20
    os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_SERVER)

    results = []
    with TwilioStub(latency=args.latency) as stub:
        env = {
            **{k: str(v) for k, v in app_settings(stub).items()},
            "ACK_DEADLINE_SECONDS": str(args.deadline),
            "SWEEP_GRACE_SECONDS": "5",
            # Every reply comes from 127.0.0.1: the per-address limit is for the internet.
            "WEBHOOK_RATE_LIMIT": "100000 per minute",
        }
        with (
            own_database() as url,
            Service(
                {**env, "DATABASE_URL": url},
                workers=0,
                web_workers=args.web_workers,
                sweeper=True,
                seed=False,
            ) as service,
        ):
            app = service_app(service)
            began = time.perf_counter()
            branches = load_offices(app, args.offices, args.salespeople)
            print(
                f"{args.offices} offices x {args.salespeople} salespeople loaded in "
                f"{time.perf_counter() - began:.1f} s",
                flush=True,
            )
            replier = Replier(stub, service.port, missed=args.missed, ack_after=args.ack_after)
            first = 0
            for threads in [] if args.no_steps else args.threads:
                for workers in args.workers:
                    service.start_workers(workers, {"WORKER_THREADS": str(threads)})
                    wait_for_workers(app, workers)
                    print(f"{workers} RQ workers x {threads} sending threads", flush=True)
                    setup_began = time.monotonic()
                    best = failed = None
                    for rate in args.rates:
                        for _try in range(1 + args.retry):
                            step = run_step(
                                service, app, stub, replier, branches, rate, args, first
                            )
                            first += step.calls
                            print(describe(step, workers), flush=True)
                            if step.passed:
                                break
                        if not step.passed:
                            failed = step
                            break
                        best = step
                        if time.monotonic() - setup_began > args.budget:
                            print("  (time budget spent: stopping here)")
                            break
                    results.append((workers, threads, best, failed))
                    service.stop_workers()
            drained = []
            if args.drain:
                # The sweeper would send what waits in the queue longer than its grace.
                service.sweeper_process.terminate()
                service.sweeper_process.wait(15)
                for threads in args.threads:
                    drained.append(drain(service, app, stub, replier, branches, threads, args))
                    first += args.drain
            replier.stop()
            replies_failed = sum(1 for status in replier.statuses if status != 200)
            # A page sent twice: the same lead's page to the same salesperson again.
            pages_to = Counter(
                (m.to, REF.search(m.body).group(1))
                for m in stub.messages
                if REF.search(m.body or "")
            )
            twice = sum(n - 1 for n in pages_to.values() if n > 1)

    print()
    print(
        f"franchise bench: {args.offices} offices x {args.salespeople}, PostgreSQL, embedded "
        f"Redis, gunicorn {args.web_workers}x4 + sweeper, stub {args.latency * 1000:.0f} ms, "
        f"deadline {args.deadline} s, {args.missed:.0%} of first pages missed; "
        f"{os.cpu_count()} cores; replies refused: {replies_failed}; pages sent twice: {twice} "
        f"(of {sum(pages_to.values())})"
    )
    print(
        "| workers x threads | highest rate | saved->page p99 | late p99 / min | "
        "pages/s per worker | worker CPU per page (per SMS) | "
        "CPU per call: workers / web / PostgreSQL / Redis | "
        "machine busy (others), load | next rate: pages/s per worker, saved->page p99 |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for workers, threads, step, failed in results:
        beyond = (
            f"{failed.rate:g}/s: {failed.steady_pages_per_second / workers:.2f}, "
            f"{percentile(failed.to_page, 99) * 1000:.0f} ms"
            if failed and failed.to_page
            else "-"
        )
        if step is None:
            print(f"| {workers} x {threads} | below {args.rates[0]:g}/s | | | | | | | {beyond} |")
            continue
        calls = max(1, step.calls)
        print(
            f"| {workers} x {threads} | {step.rate:g}/s | "
            f"{percentile(step.to_page, 99) * 1000:.0f} ms | "
            f"{percentile(step.late, 99) * 1000:.0f} / {min(step.late) * 1000:.0f} ms | "
            f"{step.steady_pages_per_second / workers:.2f} | "
            f"{step.worker_cpu / max(1, step.pages) * 1000:.1f} "
            f"({step.worker_cpu / max(1, step.sms) * 1000:.1f}) ms | "
            f"{step.worker_cpu / calls * 1000:.0f} / {step.web_cpu / calls * 1000:.1f} / "
            f"{step.database_cpu / calls * 1000:.1f} / "
            f"{step.redis_cpu / calls * 1000:.1f} ms | "
            f"{step.machine:.0%} ({step.others:.0%}), {step.load:.1f} | {beyond} |"
        )
    for threads, paged, seconds, sms, cpu in drained:
        print(
            f"drain: 1 worker x {threads}: {sms / seconds:.1f} SMS/s "
            f"({paged} first pages in {seconds:.1f} s), {cpu / max(1, sms) * 1000:.1f} ms CPU/SMS"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
