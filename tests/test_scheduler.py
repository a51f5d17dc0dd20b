"""The deadline scheduler stays running (issue #7, faults 6 and 8): it rides out a Redis
outage, and when the scheduler holding the lock dies another worker's takes over within
seconds. Real Redis and real forked scheduler processes; tests/test_faults.py runs the
same through the whole back room."""

from __future__ import annotations

import os
import signal
import tempfile
from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue

from dispatcher.clock import utcnow
from dispatcher.queue import queue, schedule_deadline
from testkit.fault_harness import PrivateRedis, wait_until
from workers.worker import DeadlineScheduler, DispatchWorker


@pytest.fixture
def quick_takeover(app):
    """A lock that outlives its dead holder by 2 s, looked after every second."""
    app.config.update(SCHEDULER_LOCK_SECONDS=2, SCHEDULER_CHECK_SECONDS=1)
    workers: list[DispatchWorker] = []

    def worker() -> DispatchWorker:
        workers.append(DispatchWorker([queue()], connection=queue().connection))
        return workers[-1]

    yield worker
    for started in workers:
        if started.scheduler is not None and started.scheduler._process is not None:
            started.stop_scheduler()


def test_another_worker_takes_over_when_the_scheduler_holder_dies(quick_takeover):
    holder, standby = quick_takeover(), quick_takeover()
    holder._start_scheduler()
    standby._start_scheduler()
    assert holder.scheduler._process.is_alive()
    assert not standby.keep_scheduler_running(), "two schedulers at once"
    # An idle worker wakes from its wait for a job to look (RQ waits up to 405 s).
    assert standby.dequeue_timeout == 1

    os.kill(holder.scheduler._process.pid, signal.SIGKILL)
    holder.scheduler._process.join()
    assert not standby.keep_scheduler_running(), "the dead holder's lock is still live"
    assert wait_until(standby.keep_scheduler_running, 4, every=0.2), "nobody took over"

    # The new scheduler does the work: a due deadline check reaches the queue.
    schedule_deadline(4242, utcnow() - timedelta(seconds=1))
    assert wait_until(lambda: "reassign-4242" in queue().get_job_ids(), 3)


def test_the_scheduler_check_runs_often_and_registry_cleaning_stays_rare(quick_takeover):
    worker = quick_takeover()
    worker._start_scheduler()
    worker.run_maintenance_tasks()  # RQ's first run: cleans the registries
    cleaned_at = worker.last_cleaned_at
    worker.scheduler_checked_at -= 1
    assert worker.should_run_maintenance_tasks
    worker.run_maintenance_tasks()
    assert worker.last_cleaned_at == cleaned_at
    assert not worker.should_run_maintenance_tasks


def test_the_scheduler_rides_out_a_redis_outage():
    folder = tempfile.mkdtemp(prefix="sched-")  # short: a unix socket path has a limit
    private = PrivateRedis(folder).start()
    try:
        connection = private.client()
        dispatch = Queue("dispatch-outage", connection=connection)
        scheduler = DeadlineScheduler(
            [dispatch], connection=connection, poll_seconds=0.1, lock_seconds=10
        )
        scheduler.acquire_locks()
        assert scheduler.poll_once() == 0.1

        private.stop()
        waits = [scheduler.poll_once() for _ in range(3)]
        assert waits == [0.2, 0.4, 0.8], "no back-off while Redis is away"

        private.start()
        assert wait_until(lambda: scheduler.poll_once() == 0.1, 5, every=0.1)
        assert scheduler.acquired_locks == {"dispatch-outage"}, "lost its lock to nobody"
        assert connection.hget(scheduler.key, "pid"), "its record (rq info) not written again"
        due = datetime.now(UTC) - timedelta(seconds=1)
        dispatch.enqueue_at(due, "workers.jobs.check_deadline", 1, job_id="due")
        scheduler.poll_once()
        assert dispatch.get_job_ids() == ["due"]
    finally:
        private.stop()
