"""Issue 7, faults 6-8 at full size, on loopback only and bounded in count and time.

The whole service runs as the Procfile runs it: gunicorn, two RQ workers
(``--with-scheduler``) and the sweeper (the clock), kept up by a small supervisor; its
own redis-server on a unix socket (never the machine's); the real twilio client against
the local stub, which counts the SMS of every page by its Ref. Nobody answers a page, so
each lead goes down the demo office's seven salespeople and then to the manager.

6. Redis stopped for 60 s while 200 calls are logged, then started again.
7. 100 kill -9 of a worker while it runs a job (the stub holds every send for a moment,
   so most kills land while Twilio is being asked); the supervisor restarts it, and the
   next kill waits until both workers are up again.
8. The worker whose scheduler holds RQ's scheduler lock killed (with that scheduler),
   two workers running: the deadlines that follow are enforced by the sweeper.

    .venv/bin/python bench/faults.py [6 7 8]          (SQLite)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@localhost:5432/postgres \\
        .venv/bin/python bench/faults.py
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import create_engine, func, select  # noqa: E402

from bench.common import Service, api_token, own_database, post_json, summary  # noqa: E402
from testkit.fault_harness import (  # noqa: E402
    BackRoom,
    PrivateRedis,
    page_of_job,
    scheduler_lock,
    wait_until,
)
from testkit.fault_outcome import read_outcome, sms_count  # noqa: E402
from testkit.twilio_stub import TwilioStub, app_settings  # noqa: E402


class Coordinator:
    """Logs calls through the JSON API as the office's telephone coordinator does, and
    keeps every answer: a call without a 201, or whose lead is not in the database, is
    a lost call."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.token = token
        self.answers: list[tuple[int, int | None]] = []  # (HTTP status or 0, lead id)
        self.failures: Counter = Counter()  # what the calls without a 201 were answered
        self._lock = threading.Lock()

    def log_call(self, n: int) -> int | None:
        """One call, on its own connection: gunicorn closes a keep-alive connection idle
        for 2 s, and a request sent into a closed one would count as a lost call."""
        caller = {"caller_phone": f"+1202555{2000 + n:04d}", "kind": "buyer", "source": "bench"}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            status, body = post_json(connection, "/api/leads", caller, self.token)
        except (OSError, http.client.HTTPException, ValueError) as error:
            status, body = 0, {"error": type(error).__name__}
        finally:
            connection.close()
        lead_id = body.get("id") if status == 201 else None
        with self._lock:
            self.answers.append((status, lead_id))
            if status != 201:
                self.failures[f"{status} {body.get('error') or body}"[:120]] += 1
        return lead_id

    def log_calls(self, count: int, *, over: float, first: int, lines: int = 4) -> list[int]:
        """``count`` calls spread evenly over ``over`` seconds, ``lines`` at a time."""
        start = time.monotonic()

        def line(offset: int) -> list[int]:
            logged = []
            for n in range(offset, count, lines):
                time.sleep(max(0.0, start + n * over / count - time.monotonic()))
                logged.append(self.log_call(first + n))
            return [lead_id for lead_id in logged if lead_id]

        with ThreadPoolExecutor(lines) as pool:
            return [lead_id for ids in pool.map(line, range(lines)) for lead_id in ids]

    def keep_logging(self, *, every: float, limit: int, first: int = 0) -> Calling:
        return Calling(self, every=every, limit=limit, first=first)

    @property
    def tried(self) -> int:
        return len(self.answers)

    @property
    def answered(self) -> int:
        return sum(1 for status, _lead in self.answers if status == 201)

    def lost(self, leads_in_database: set[int]) -> int:
        return sum(1 for status, lead in self.answers if lead not in leads_in_database)


class Calling:
    """A call every ``every`` seconds in the background, until stop() or ``limit``."""

    def __init__(self, coordinator: Coordinator, *, every: float, limit: int, first: int):
        self.lead_ids: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(coordinator, every, limit, first), daemon=True
        )
        self._thread.start()

    def _run(self, coordinator: Coordinator, every: float, limit: int, first: int) -> None:
        for n in range(limit):
            if self._stop.is_set():
                break
            lead_id = coordinator.log_call(first + n)
            if lead_id:
                self.lead_ids.append(lead_id)
            self._stop.wait(every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)


@dataclass
class Run:
    """One fault's service: where to log calls, the back room, Redis, the database."""

    coordinator: Coordinator
    room: BackRoom
    redis: PrivateRedis
    engine: object
    stub: TwilioStub
    resends: Counter | None = None
    sweeps: tuple[int, int] = (0, 0)

    def outcome(self):
        with self.engine.connect() as connection:
            return read_outcome(connection)

    def remember(self) -> None:
        """Before the service goes: the lead events that count resends (duplicate_sms,
        unchecked_resend, found) and what the sweeper's log says it did."""
        from dispatcher.models import LeadEvent

        with self.engine.connect() as connection:
            rows = connection.execute(
                select(LeadEvent.kind, func.count())
                .where(LeadEvent.kind.in_(("duplicate_sms", "unchecked_resend")))
                .group_by(LeadEvent.kind)
            )
            self.resends = Counter(dict(rows.all()))
            # A page recorded after a lookup found an earlier try at Twilio: without the
            # lookup, a duplicate SMS (the detail is pages.sending.record_sent's words).
            self.resends["found"] = connection.scalar(
                select(func.count())
                .select_from(LeadEvent)
                .where(LeadEvent.kind == "paged", LeadEvent.detail.like("%not sent again%"))
            )
        self.sweeps = self.room.sweeps()

    def wait_all_final(self, lead_ids: set[int], timeout: float):
        """Poll until every lead reached the manager and every page is final; the outcome
        and the time it was first seen so (None if the timeout came first)."""
        end = time.time() + timeout
        while True:
            outcome = self.outcome()
            notified = {p.lead_id for p in outcome.pages if p.state == "notify" and p.sent_at}
            if lead_ids <= notified and not outcome.not_final:
                return outcome, time.time()
            if time.time() > end:
                return outcome, None
            time.sleep(1)


@contextlib.contextmanager
def database(folder: str):
    """SQLite in the run's folder, or a database of our own on BENCH_DATABASE_URL's server,
    dropped afterwards."""
    with own_database() as url:
        yield url or f"sqlite:///{folder}/dispatch.sqlite"


@contextlib.contextmanager
def service_for(fault: str, args, stub: TwilioStub):
    """The service with a private Redis, a supervised back room and an API token."""
    service = Service({}, workers=0)
    folder = service.tmp.name
    private = PrivateRedis(folder)
    with contextlib.ExitStack() as stack:
        stack.callback(service.tmp.cleanup)
        url = stack.enter_context(database(folder))
        service.env.update(
            {key: str(value) for key, value in app_settings(stub).items()},
            DATABASE_URL=url,
            REDIS_URL=private.url,
            ACK_DEADLINE_SECONDS=str(args.deadline),
            SWEEP_GRACE_SECONDS=str(args.grace),
            PUBLIC_BASE_URL="",
        )
        stack.enter_context(service)
        # Stopped before the service removes its folder: it saves its data file there.
        stack.callback(private.stop)
        private.start()
        clock = [sys.executable, "-m", "flask", "--app", "dispatcher", "sweep"]
        room = BackRoom(
            service.env,
            clock=[*clock, "--every", str(args.sweep_every)],
            queue=service.env.get("RQ_QUEUE") or "dispatch",
            log_dir=folder,
        )
        stack.enter_context(room)
        engine = create_engine(url)
        stack.callback(engine.dispose)
        coordinator = Coordinator(service.port, api_token(service, "faults"))
        connection = private.client()
        wait_until(lambda: room.ready_workers(connection) == 2, 60)
        run = Run(coordinator, room, private, engine, stub)
        yield run
        run.remember()


def seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def print_common(run: Run, outcome, lead_ids: set[int], *, finished: bool = True) -> None:
    """What every fault must keep: calls, SMS once per page, one reassignment per miss."""
    calls = run.coordinator
    lost = calls.lost(outcome.leads)
    sms = sms_count(run.stub)
    sent_pages = sum(1 for page in outcome.pages if page.sent_at)
    extra = run.resends
    print(f"  calls logged: {calls.answered} answered 201 of {calls.tried}; calls lost: {lost}")
    for failure, count in calls.failures.most_common(3):
        print(f"    {count} answered: {failure}")
    print(
        f"  pages: {len(outcome.pages)} written, {sent_pages} sent, "
        f"{len(outcome.not_final)} not final; SMS at the stub: {sms.sent}, duplicates "
        f"{sms.duplicates} ({sms.pages_twice} pages twice, at most {sms.most_for_one_page} "
        f"for one page); on the timeline: {extra['duplicate_sms']} duplicate_sms, "
        f"{extra['unchecked_resend']} unchecked_resend; found at Twilio after a lost "
        f"answer, so not sent again: {extra['found']}"
    )
    unfinished = lead_ids - {p.lead_id for p in outcome.pages if p.state == "notify"}
    print(
        f"  double reassignments: {outcome.double_reassignments}; leads with two open "
        f"pages: {outcome.leads_with_two_open_pages}"
        + (f"; leads not at their end: {len(unfinished)}" if finished else "")
    )
    swept, reassigned = run.sweeps
    print(
        f"  sweeper: sent {swept} and reassigned {reassigned} that the queue had not; "
        f"worker restarts by the supervisor: {run.room.restarts}"
    )


# -- fault 6 -------------------------------------------------------------------------


def redis_outage(args, stub: TwilioStub) -> None:
    with service_for("6", args, stub) as run:
        before = run.coordinator.log_calls(args.warm_calls, over=4, first=0)
        time.sleep(1)
        run.redis.stop()
        down_at = time.time()
        during = run.coordinator.log_calls(
            args.calls, over=max(1.0, args.outage - 5), first=args.warm_calls
        )
        time.sleep(max(0.0, down_at + args.outage - time.time()))
        run.redis.start()
        back_at = time.time()
        lead_ids = set(before) | set(during)
        outcome, final_at = run.wait_all_final(lead_ids, args.finish_within)
        scheduler = run.room.scheduler_holder(run.redis.client())
    overdue = outcome.overdue_at(back_at)
    enforced = [p.final_at - back_at for p in overdue if p.final_at is not None]
    print(
        f"fault 6: Redis stopped {back_at - down_at:.0f} s while {args.calls} calls were "
        f"logged ({args.warm_calls} before it stopped); deadline {args.deadline} s, sweeper "
        f"every {args.sweep_every} s with {args.grace} s grace"
    )
    print_common(run, outcome, lead_ids)
    while_down = outcome.lateness(due_after=down_at, due_before=back_at)
    print(f"  deadlines due while Redis was down: late {summary(while_down, 's', 1)}")
    print(
        f"  overdue when Redis came back: {len(overdue)}; all enforced "
        f"{seconds(max(enforced, default=0.0) if len(enforced) == len(overdue) else None)} "
        f"after Redis returned"
    )
    print(
        f"  deadlines due after Redis came back: late "
        f"{summary(outcome.lateness(due_after=back_at), 's', 1)}"
    )
    print(
        f"  every page final {seconds(final_at and final_at - back_at)} after Redis "
        f"returned; RQ's scheduler running again at the end: {'yes' if scheduler else 'no'}"
    )


# -- fault 7 -------------------------------------------------------------------------


def kill_workers(args, stub: TwilioStub) -> None:
    stub.latency = args.latency
    chance = random.Random(7)
    kills: list[tuple[float, str]] = []
    with service_for("7", args, stub) as run:
        connection = run.redis.client()
        calls = run.coordinator.keep_logging(every=args.call_every, limit=args.kills * 2)
        for _ in range(args.kills):
            # One incident at a time: the last worker killed is back before the next kill.
            wait_until(lambda: run.room.ready_workers(connection) == 2, 60)
            busy = wait_until(lambda: run.room.busy_worker(connection), 60, every=0.01)
            if busy is None:
                break
            slot, job_id = busy
            time.sleep(chance.uniform(0, args.latency))
            run.room.kill(slot)
            kills.append((time.time(), job_id))
        calls.stop()
        last_kill = kills[-1][0]
        outcome, final_at = run.wait_all_final(set(calls.lead_ids), args.finish_within)
    kinds = Counter(job_id.split("-")[0] for _at, job_id in kills)
    after_kill = kill_to_final(outcome, kills)
    lives = [p.final_at - p.created_at for p in outcome.pages if p.final_at is not None]
    print(
        f"fault 7: {len(kills)} kill -9 of a worker in the middle of a job "
        f"({kinds['send']} sending a page, {kinds['reassign']} checking a deadline); "
        f"Twilio stub answers after {args.latency} s; a call every {args.call_every} s; "
        f"deadline {args.deadline} s"
    )
    print_common(run, outcome, set(calls.lead_ids))
    print(f"  kill -> the killed job's lead has every page final: {summary(after_kill, 's', 1)}")
    print(f"  every page, written -> final: {summary(lives, 's', 1)}")
    print(f"  every page final {seconds(final_at and final_at - last_kill)} after the last kill")


def kill_to_final(outcome, kills: list[tuple[float, str]]) -> list[float]:
    """For each kill, seconds until every page of the killed job's lead written by then
    was final: the page it checked, and the next one it may have been sending."""
    lead_of = {page.id: page.lead_id for page in outcome.pages}
    times = []
    for at, job_id in kills:
        lead = lead_of.get(page_of_job(job_id))
        written = [p for p in outcome.pages if p.lead_id == lead and p.created_at <= at]
        if written and all(p.final_at for p in written):
            times.append(max(p.final_at for p in written) - at)
    return times


# -- fault 8 -------------------------------------------------------------------------


def kill_scheduler_holder(args, stub: TwilioStub) -> None:
    with service_for("8", args, stub) as run:
        connection = run.redis.client()
        slot, lock_name = wait_until(lambda: run.room.scheduler_holder(connection), 60)
        first = run.coordinator.log_calls(args.warm_calls, over=4, first=0)
        sent = lambda: sum(p.sent_at is not None for p in run.outcome().pages)  # noqa: E731
        wait_until(lambda: sent() >= args.warm_calls, 60)
        run.room.kill(slot, with_scheduler=True, restart=False)
        killed_at = time.time()
        calls = run.coordinator.keep_logging(every=2, limit=args.after // 2, first=1000)
        lock_gone, taken = watch_lock(run, connection, killed_at + args.after)
        calls.stop()
        due_by = time.time()
        wait_until(lambda: not run.outcome().open_past_deadline(due_by), 120, 1)
        run.room.close()  # nothing in flight: the stub and the database tell the same story
        outcome = run.outcome()
    late = outcome.lateness(due_after=killed_at, due_before=due_by)
    print(
        f"fault 8: the worker holding RQ's scheduler lock killed with its scheduler, two "
        f"workers running; {args.warm_calls} calls before, one every 2 s for {args.after} s "
        f"after; deadline {args.deadline} s, sweeper every {args.sweep_every} s with "
        f"{args.grace} s grace"
    )
    print_common(run, outcome, set(first) | set(calls.lead_ids), finished=False)
    print(f"  deadlines due after the kill: {len(late)}, late {summary(late, 's', 1)}")
    print(
        f"  RQ's lock ({lock_name[:8]}...) held by the dead scheduler until "
        f"{seconds(lock_gone)} after the kill; a running scheduler took it: {seconds(taken)}"
    )


def watch_lock(run: Run, connection, until: float) -> tuple[float | None, float | None]:
    """Seconds after ``now`` when the dead scheduler's lock expired and when a running
    scheduler took it, each None if not before ``until``."""
    start, gone, taken = time.time(), None, None
    while time.time() < until:
        if gone is None and scheduler_lock(connection, run.room.queue) is None:
            gone = time.time() - start
        if taken is None and run.room.scheduler_holder(connection):
            taken = time.time() - start
        time.sleep(1)
    return gone, taken


FAULTS = {"6": redis_outage, "7": kill_workers, "8": kill_scheduler_holder}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("faults", nargs="*", help="6, 7 and/or 8 (default: all)")
    parser.add_argument("--calls", type=int, default=200, help="fault 6: calls while down")
    parser.add_argument("--warm-calls", type=int, default=20, help="calls before the fault")
    parser.add_argument("--outage", type=float, default=60.0, help="fault 6: seconds down")
    parser.add_argument("--kills", type=int, default=100, help="fault 7: kill -9 count")
    parser.add_argument("--latency", type=float, default=0.4, help="fault 7: stub answer")
    parser.add_argument("--call-every", type=float, default=2.5, help="fault 7: seconds")
    parser.add_argument("--after", type=int, default=70, help="fault 8: seconds watched")
    parser.add_argument("--deadline", type=int, default=5)
    parser.add_argument("--grace", type=int, default=5, help="SWEEP_GRACE_SECONDS")
    parser.add_argument("--sweep-every", type=float, default=5.0, help="the clock's period")
    parser.add_argument("--finish-within", type=float, default=300.0)
    args = parser.parse_args()
    args.faults = args.faults or list(FAULTS)
    if set(args.faults) - set(FAULTS):
        parser.error("faults are 6, 7 and 8")
    database = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(f"faults on {database}, private redis-server, twilio client -> local stub")
    for fault in args.faults:
        with TwilioStub() as stub:
            FAULTS[fault](args, stub)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
