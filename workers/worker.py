"""The RQ worker class the service runs:
`rq worker --worker-class workers.worker.DispatchWorker`."""

from __future__ import annotations

import time

from rq import SimpleWorker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.scheduler import RQScheduler

from workers.context import job_app


class DispatchWorker(SimpleWorker):
    """Runs jobs in its own process with the Flask app built once, and polls for due
    deadline checks five times a second.

    RQ's default worker forks a work horse per job; measured here that costs about 0.1 s
    a job (50 page sends: 6.0 s forked, 2.0 s in-process), which is most of the time a
    page takes to go out. The jobs are small, idempotent and decided by the database, so
    a crash mid-job loses nothing: RQ re-queues abandoned jobs and the sweeper catches
    whatever is overdue. Job timeouts still apply (RQ enforces them with SIGALRM).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        import workers.jobs  # noqa: F401  (import once, not on the first job)

        self.scheduler_poll_seconds = job_app().config["SCHEDULER_POLL_SECONDS"]

    def _start_scheduler(
        self,
        burst: bool = False,
        logging_level: str | None = "INFO",
        date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
        log_format: str = DEFAULT_LOGGING_FORMAT,
    ) -> None:
        """RQ's own start-up, with the poll interval set: RQ polls once a second, which
        would add up to a second to every reassignment (issue #7 asks p99 < 1.2 s)."""
        self.scheduler = DeadlineScheduler(
            self.queues,
            connection=self.connection,
            poll_seconds=self.scheduler_poll_seconds,
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
    """RQ's scheduler, polling every ``poll_seconds`` instead of every second.

    RQ's ``interval`` also sets its lock's lifetime in whole seconds (interval + 60), so
    it stays at 1 and only the sleep between polls is shorter.
    """

    def __init__(self, *args, poll_seconds: float, **kwargs):
        super().__init__(*args, interval=1, **kwargs)
        self.poll_seconds = poll_seconds

    def work(self) -> None:
        # RQ's loop (rq/scheduler.py, RQScheduler.work) with the shorter sleep.
        self._install_signal_handlers()
        self.register_birth()
        while True:
            if self._stop_requested:
                self.stop()
                break
            if self.should_reacquire_locks:
                self.acquire_locks()
            self.heartbeat()
            self.enqueue_scheduled_jobs()
            time.sleep(self.poll_seconds)
