"""Issue 7's faults 6-8, the parts tests/test_faults.py and bench/faults.py share.

A private redis-server that can be stopped and started again on the same socket; the
back room (RQ workers and the sweeper) kept running by a small supervisor, as a platform
restarts a crashed process, so that a worker can be killed with -9 and come back; who
holds RQ's scheduler lock. What happened (the counts that must come out zero) is read
by testkit/fault_outcome.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import redis
from rq import Worker
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler

from dispatcher import embedded_redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
SWEEP_LINE = re.compile(r"sweeper sent (\d+) and reassigned (\d+)")


def wait_until(condition, timeout: float, every: float = 0.1):
    """Poll until condition() is truthy and return it; None after the timeout."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= end:
            return value or None
        time.sleep(every)


# -- Redis ---------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of our own on a unix socket in ``folder``, never the machine's.

    ``stop()`` and ``start()`` again keep the socket path, so every process finds it
    where it was; SIGTERM makes it save its data file first, so the queue and the
    scheduled deadlines survive the outage, as with a Redis restarted by its operator.
    """

    def __init__(self, folder: str):
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return embedded_redis.url(self.folder)

    def start(self) -> PrivateRedis:
        self.process = embedded_redis.start(self.folder)
        return self

    def stop(self, *, crash: bool = False) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL if crash else signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:  # it refuses to stop when it cannot save
            self.process.kill()
            self.process.wait(5)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)


# -- the back room: workers and the sweeper under a supervisor -------------------------


@dataclass
class Slot:
    """One process the supervisor keeps running; ``paused`` ones stay down when they die."""

    role: str  # worker | clock
    index: int
    process: subprocess.Popen | None = None
    name: str = ""
    generation: int = 0
    paused: bool = False


class BackRoom:
    """RQ workers (each ``--with-scheduler``, as the Procfile runs them) and the sweeper,
    restarted a moment after they exit, as a process supervisor would.

    Every process starts in its own session, so killing a worker's group also kills the
    scheduler it forked, and closing the room ends even an orphaned scheduler.
    """

    def __init__(
        self,
        env: dict[str, str],
        *,
        clock: list[str] | None,
        workers: int = 2,
        queue: str = "dispatch",
        log_dir: str,
        restart_after: float = 0.5,
    ):
        self.env = env
        self.queue = queue
        self.clock_command = clock
        self.log_dir = log_dir
        self.restart_after = restart_after
        self.slots = [Slot("worker", n) for n in range(workers)]
        if clock:
            self.slots.append(Slot("clock", 0))
        self.groups: list[int] = []  # every process group started, for close()
        self.restarts = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="supervisor", daemon=True)

    @property
    def workers(self) -> list[Slot]:
        return [slot for slot in self.slots if slot.role == "worker"]

    def __enter__(self) -> BackRoom:
        for slot in self.slots:
            self._spawn(slot)
        self._watcher.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _command(self, slot: Slot) -> list[str]:
        if slot.role == "clock":
            return list(self.clock_command)
        return [
            os.path.join(BIN, "rq"),
            "worker",
            "--with-scheduler",
            "--worker-class",
            "workers.worker.DispatchWorker",
            "--url",
            self.env["REDIS_URL"],
            "--path",
            ROOT,
            "--name",
            slot.name,
            self.queue,
        ]

    def _spawn(self, slot: Slot) -> None:
        slot.generation += 1
        # A new name each time: RQ refuses a name whose dead worker it still remembers.
        slot.name = f"faults-{os.getpid()}-{slot.role}{slot.index}-{slot.generation}"
        log_path = os.path.join(self.log_dir, f"{slot.role}{slot.index}.log")
        with open(log_path, "ab") as log:
            slot.process = subprocess.Popen(
                self._command(slot),
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.groups.append(slot.process.pid)

    def _watch(self) -> None:
        dead_since: dict[int, float] = {}
        while not self._stopping.wait(0.1):
            with self._lock:
                for number, slot in enumerate(self.slots):
                    if slot.paused or slot.process.poll() is None:
                        dead_since.pop(number, None)
                        continue
                    since = dead_since.setdefault(number, time.monotonic())
                    if time.monotonic() - since >= self.restart_after:
                        dead_since.pop(number)
                        self.restarts += slot.role == "worker"
                        self._spawn(slot)

    def kill(self, slot: Slot, *, with_scheduler: bool = False, restart: bool = True) -> int:
        """kill -9 the worker (and the scheduler it forked, if asked); its pid."""
        with self._lock:
            slot.paused = not restart
            pid = slot.process.pid
            with contextlib.suppress(ProcessLookupError):
                if with_scheduler:
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
            slot.process.wait()
            return pid

    def busy_worker(self, connection: redis.Redis) -> tuple[Slot, str] | None:
        """A live worker that is running a job, with the job's id."""
        for slot in self.workers:
            if slot.paused or slot.process.poll() is not None:
                continue
            job_id = current_job(connection, slot.name)
            if job_id:
                return slot, job_id
        return None

    def ready_workers(self, connection: redis.Redis) -> int:
        """Workers that registered with Redis, so are listening on the queue."""
        names = {slot.name for slot in self.workers if slot.process.poll() is None}
        with contextlib.suppress(redis.RedisError):
            return sum(
                bool(connection.exists(Worker.redis_worker_namespace_prefix + name))
                for name in names
            )
        return 0

    def scheduler_holder(self, connection: redis.Redis) -> tuple[Slot, str] | None:
        """The worker whose forked scheduler holds RQ's scheduler lock, and the lock's
        name; None when the lock is free or held by a scheduler that is not running."""
        holder = scheduler_lock(connection, self.queue)
        if holder is None or holder[1] is None:
            return None
        name, scheduler_pid = holder
        parent = parent_pid(scheduler_pid)
        for slot in self.workers:
            if slot.process.poll() is None and slot.process.pid == parent:
                return slot, name
        return None

    def sweeps(self) -> tuple[int, int]:
        """Pages the sweeper sent and reassigned because the queue had not (its log)."""
        sent = reassigned = 0
        path = os.path.join(self.log_dir, "clock0.log")
        with contextlib.suppress(FileNotFoundError), open(path, errors="replace") as log:
            for match in SWEEP_LINE.finditer(log.read()):
                sent += int(match.group(1))
                reassigned += int(match.group(2))
        return sent, reassigned

    def close(self) -> None:
        """Stop everything (safe to call twice); workers finish the job in hand."""
        self._stopping.set()
        if self._watcher.is_alive():
            self._watcher.join(5)
        for group in self.groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGTERM)
        for slot in self.slots:
            try:
                slot.process.wait(10)
            except subprocess.TimeoutExpired:
                slot.process.kill()
                slot.process.wait(5)
        time.sleep(0.2)
        for group in self.groups:  # an orphaned scheduler that ignored SIGTERM
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)


def current_job(connection: redis.Redis, worker_name: str) -> str | None:
    """The id of the job the named worker is running, as RQ records it in Redis."""
    with contextlib.suppress(redis.RedisError):
        worker = Worker.find_by_key(
            Worker.redis_worker_namespace_prefix + worker_name, connection=connection
        )
        return worker.get_current_job_id() if worker is not None else None
    return None


def scheduler_lock(connection: redis.Redis, queue: str) -> tuple[str, int | None] | None:
    """(scheduler name, its pid) holding RQ's scheduler lock for the queue, or None."""
    with contextlib.suppress(redis.RedisError):
        name = connection.get(RQScheduler.get_locking_key(queue))
        if name is None:
            return None
        name = name.decode()
        pid = connection.hget(SCHEDULER_KEY_TEMPLATE % name, "pid")
        return name, int(pid) if pid else None
    return None


def parent_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def page_of_job(job_id: str) -> int | None:
    """The page a dispatch job works on: send-<page>-<n>, reassign-<page>[-<n>]."""
    match = re.match(r"(?:send|reassign)-(\d+)", job_id or "")
    return int(match.group(1)) if match else None
