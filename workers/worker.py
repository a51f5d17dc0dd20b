"""The RQ worker class the service runs:
`rq worker --with-scheduler --worker-class workers.worker.DispatchWorker`.

Deadline checks reach the queue through RQ's scheduler, which runs in a process one
worker forks. This module keeps that scheduler prompt (five polls a second) and always
running: it survives a Redis outage, and when its holder dies another worker takes over
within seconds instead of RQ 3.0's ten minutes. The sweeper stays the backstop.

A job spends nearly all its time waiting on Twilio; with WORKER_THREADS above 1 a worker
runs that many jobs at once, each in a thread of its own (issue 18: bench/README.md).
"""

from __future__ import annotations

import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import redis
from rq import SimpleWorker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty
from rq.worker.base import StopRequested

from workers.context import job_app

# The longest a scheduler waits between tries while Redis is away.
REDIS_RETRY_MAX_SECONDS = 5.0
# The RQ these overrides were written against (copies of its _start_scheduler and its
# scheduler's loop, its private attributes): tests/test_rq_internals.py fails on any
# other until someone has re-read RQ's worker and scheduler and moved this on.
WRITTEN_FOR_RQ = "3.0.0"


class DispatchWorker(SimpleWorker):
    """Runs jobs in its own process with the Flask app built once, and keeps a deadline
    scheduler running somewhere among the workers.

    RQ's default worker forks a work horse per job; measured here that costs about 0.1 s
    a job (50 page sends: 6.0 s forked, 2.0 s in-process), which is most of the time a
    page takes to go out. The jobs are small, idempotent and decided by the database, so
    a crash mid-job loses nothing: RQ re-queues abandoned jobs and the sweeper catches
    whatever is overdue. Job timeouts still apply (RQ enforces them with SIGALRM).

    With ``WORKER_THREADS`` = n above 1, the worker runs up to n jobs at once, each in a
    thread of a pool: it takes a job off the queue only when a thread is free, so no job
    waits in the worker while another could run it. SIGALRM reaches the main thread
    only, so each job's timeout is then RQ's ``TimerDeathPenalty`` (a timer raises
    JobTimeoutException in that job's thread; a thread blocked on a socket gets it when
    the call returns, and the twilio client's own TWILIO_TIMEOUT_SECONDS bounds that).
    Each job opens its own app context, so it has its own database session (Flask-
    SQLAlchemy scopes the session to the app context); a page is claimed by a
    conditional UPDATE before it is sent, so two threads never send one page. A warm
    shutdown (SIGTERM) stops taking jobs and waits for the running ones.
    """

    def __init__(self, *args, **kwargs):
        # Read before RQ's set-up, which sizes the Redis socket timeout from
        # dequeue_timeout below (15 s instead of RQ's 415 s).
        config = job_app().config
        self.scheduler_poll_seconds = config["SCHEDULER_POLL_SECONDS"]
        self.scheduler_lock_seconds = config["SCHEDULER_LOCK_SECONDS"]
        self.scheduler_check_seconds = config["SCHEDULER_CHECK_SECONDS"]
        self.scheduler_checked_at = time.monotonic()
        self.threads = max(1, config["WORKER_THREADS"])
        self._pool: ThreadPoolExecutor | None = None
        if self.threads > 1:
            # Before RQ's set-up, which gives the class to the queues it builds.
            self.death_penalty_class = TimerDeathPenalty
            self._pool = ThreadPoolExecutor(self.threads, "job")
            self._free = threading.BoundedSemaphore(self.threads)
        super().__init__(*args, **kwargs)
        import workers.jobs  # noqa: F401  (import once, not on the first job)

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        """RQ's dequeue, after a thread is free when jobs run in threads."""
        if self._pool is None:
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        self._wait_for_a_free_thread()
        try:
            result = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        except BaseException:
            self._free.release()
            raise
        if result is None:
            self._free.release()
        return result

    def _wait_for_a_free_thread(self) -> None:
        while not self._free.acquire(timeout=1.0):
            # Every thread busy for a second: stay alive in Redis, keep the scheduler up.
            self.heartbeat()
            if self.should_run_maintenance_tasks:
                self.run_maintenance_tasks()
            if self._stop_requested:
                raise StopRequested()
        if self._stop_requested:
            self._free.release()
            raise StopRequested()

    def execute_job(self, job, queue) -> None:
        """In this thread (WORKER_THREADS=1, SimpleWorker's way) or handed to a free one."""
        if self._pool is None:
            return super().execute_job(job, queue)
        execution = self.prepare_execution(job)
        self._pool.submit(self._perform_in_thread, job, queue, execution)
        return None

    def _perform_in_thread(self, job, queue, execution) -> None:
        try:
            # RQ's own: runs the job under its timeout, records success or failure
            # (retries included) and cleans up the execution; it raises nothing.
            self.perform_job(job, queue, execution)
        finally:
            self._free.release()

    def teardown(self) -> None:
        """Let the running jobs finish (a warm shutdown), then RQ's own."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        super().teardown()

    @property
    def dequeue_timeout(self) -> int:
        """An idle worker wakes this often to look after the scheduler; RQ's own wait of
        up to 405 s for a job would leave a dead scheduler unreplaced all that time."""
        return max(1, min(super().dequeue_timeout, math.ceil(self.scheduler_check_seconds)))

    @property
    def should_run_maintenance_tasks(self) -> bool:
        return super().should_run_maintenance_tasks or self.scheduler_check_due()

    def run_maintenance_tasks(self) -> None:
        """The scheduler check every few seconds; RQ's registry cleaning at its own
        interval (every 10 minutes), which is too much work to do every few seconds."""
        if self.scheduler_check_due():
            self.keep_scheduler_running()
        if super().should_run_maintenance_tasks:
            super().run_maintenance_tasks()

    def scheduler_check_due(self) -> bool:
        return time.monotonic() - self.scheduler_checked_at >= self.scheduler_check_seconds

    def keep_scheduler_running(self) -> bool:
        """Start this worker's scheduler if it is not running and the lock is free (its
        holder died, or stopped on a Redis error); True when this worker's scheduler runs.

        Taking the lock is atomic in Redis, so of several workers looking at once exactly
        one starts a scheduler.
        """
        self.scheduler_checked_at = time.monotonic()
        scheduler = self.scheduler
        if scheduler is None:  # a worker started without --with-scheduler
            return False
        if scheduler._process is not None and scheduler._process.is_alive():
            return True
        try:
            scheduler.acquire_locks(auto_start=True)
        except redis.RedisError as error:
            # RQ's loop would end the worker on an error here; the next check tries again.
            self.log.warning("could not look for RQ's scheduler lock (redis: %s)", error)
            return False
        if scheduler.acquired_locks:
            self.log.info("worker %s started the deadline scheduler", self.name)
        return bool(scheduler.acquired_locks)

    def _start_scheduler(
        self,
        burst: bool = False,
        logging_level: str | None = "INFO",
        date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
        log_format: str = DEFAULT_LOGGING_FORMAT,
    ) -> None:
        """RQ's own start-up, with the DeadlineScheduler in place of RQ's scheduler."""
        self.scheduler = DeadlineScheduler(
            self.queues,
            connection=self.connection,
            poll_seconds=self.scheduler_poll_seconds,
            lock_seconds=self.scheduler_lock_seconds,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if burst:
            try:
                self.scheduler.register_birth()
                self.scheduler.enqueue_scheduled_jobs()
            finally:
                self.scheduler.release_locks()
                self.scheduler.register_death()
        else:
            self.scheduler.start()


class DeadlineScheduler(RQScheduler):
    """RQ's scheduler, polling every ``poll_seconds`` instead of every second, holding
    its lock for ``lock_seconds`` instead of 61, riding out Redis errors, and stopping
    when the worker that forked it is gone (killed -9 or by the OOM killer) so the worker
    restarted in its place, or another, can take over.
    """

    def __init__(self, *args, poll_seconds: float, lock_seconds: int, **kwargs):
        # RQ's lock lives `interval + 60` seconds and `interval` is otherwise only RQ's
        # own sleep between polls, which work() below replaces with poll_seconds.
        super().__init__(*args, interval=lock_seconds - 60, **kwargs)
        self.poll_seconds = poll_seconds
        self.lock_seconds = lock_seconds
        self.failures = 0

    @property
    def should_reacquire_locks(self) -> bool:
        """A scheduler without the lock asks again every half lock's life (RQ: 120 s),
        so a standby scheduler takes over soon after the holder's lock expires."""
        if self._queue_names == self.acquired_locks:
            return False
        if not self.lock_acquisition_time:
            return True
        waited = (datetime.now() - self.lock_acquisition_time).total_seconds()
        return waited >= self.lock_seconds / 2

    def work(self) -> None:
        # RQ's loop (rq/scheduler.py, RQScheduler.work) with the shorter sleep, a retry
        # on Redis errors where RQ's process would die, and a watch on its parent.
        self._install_signal_handlers()
        parent = os.getppid()
        self.register_birth()
        while True:
            if self._stop_requested or os.getppid() != parent:
                self.stop_quietly()
                break
            time.sleep(self.poll_once())

    def poll_once(self) -> float:
        """Renew the lock and move due jobs onto the queue; the seconds to wait after."""
        try:
            if self.should_reacquire_locks:
                self.acquire_locks()
            self.heartbeat()
            if self.failures:  # its record may have expired meanwhile: write it whole
                self.save()
            self.enqueue_scheduled_jobs()
        except redis.RedisError as error:
            self.failures += 1
            wait = min(self.poll_seconds * 2**self.failures, REDIS_RETRY_MAX_SECONDS)
            self.log.warning("scheduler: redis error (%s); trying again in %.1f s", error, wait)
            return wait
        if self.failures:
            self.log.warning("scheduler: redis back after %s failed polls", self.failures)
            self.failures = 0
        return self.poll_seconds

    def stop_quietly(self) -> None:
        """Let go of the lock and the scheduler's record; with Redis away they expire."""
        try:
            self.stop()
        except redis.RedisError as error:
            self.log.warning("scheduler stopped without releasing its lock (%s)", error)
