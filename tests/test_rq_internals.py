"""workers/worker.py reaches into RQ: it copies RQ's _start_scheduler and its
scheduler's loop, and reads private attributes. An RQ upgrade may change any of them
without an error anywhere, and the deadline scheduler would quietly stop being ours.
These tests fail first, and say what to re-read."""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path

import pytest
import redis
from rq import Queue, SimpleWorker
from rq.scheduler import RQScheduler
from rq.timeouts import BaseDeathPenalty, TimerDeathPenalty
from rq.worker.base import BaseWorker, StopRequested

from dispatcher.queue import queue
from workers.worker import WRITTEN_FOR_RQ, DeadlineScheduler, DispatchWorker

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"
RE_READ = (
    "workers/worker.py overrides RQ internals written for RQ {written}: re-read "
    "rq/worker/base.py (_start_scheduler, run_maintenance_tasks, dequeue_timeout; with "
    "WORKER_THREADS: dequeue_job_and_maintain_ttl, execute_job, prepare_execution, "
    "perform_job, teardown, the executions) and "
    "rq/scheduler.py (work, acquire_locks, should_reacquire_locks) against it, then move "
    "WRITTEN_FOR_RQ on."
)


def _parameters(function) -> list[tuple[str, object, object]]:
    """Names, kinds and defaults: what a caller relies on (annotations are not)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_the_rq_installed_and_pinned_is_the_one_the_overrides_were_written_for():
    pinned = re.search(r"^rq==(\S+)$", REQUIREMENTS.read_text(), re.MULTILINE)
    assert pinned is not None, "requirements.txt no longer pins rq exactly"
    message = RE_READ.format(written=WRITTEN_FOR_RQ)
    assert pinned.group(1) == WRITTEN_FOR_RQ, message
    assert version("rq") == WRITTEN_FOR_RQ, message


def test_the_worker_methods_replaced_are_still_rqs_with_the_same_signatures():
    # RQ's work() calls _start_scheduler(burst, logging_level, date_format, log_format).
    assert _parameters(DispatchWorker._start_scheduler) == _parameters(BaseWorker._start_scheduler)
    assert _parameters(BaseWorker.run_maintenance_tasks) == _parameters(
        DispatchWorker.run_maintenance_tasks
    )
    for name in ("dequeue_timeout", "should_run_maintenance_tasks", "connection_timeout"):
        assert isinstance(inspect.getattr_static(BaseWorker, name), property), name


def test_what_the_threaded_worker_replaces_and_calls_is_still_rqs():
    # WORKER_THREADS > 1: the dequeue waits for a free thread, execute_job hands the job
    # to it, the thread runs RQ's perform_job with the execution prepared in the main
    # thread, and teardown waits for the threads.
    for name in ("dequeue_job_and_maintain_ttl", "teardown"):
        assert _parameters(getattr(DispatchWorker, name)) == _parameters(
            getattr(BaseWorker, name)
        ), name
    assert _parameters(DispatchWorker.execute_job) == _parameters(SimpleWorker.execute_job)
    assert [p[0] for p in _parameters(BaseWorker.perform_job)] == [
        "self",
        "job",
        "queue",
        "execution",
    ]
    assert [p[0] for p in _parameters(BaseWorker.prepare_execution)] == ["self", "job"]
    # A job's timeout in a thread: RQ's timer, not SIGALRM (main thread only).
    assert issubclass(TimerDeathPenalty, BaseDeathPenalty)
    assert issubclass(StopRequested, Exception)


def test_the_scheduler_methods_replaced_and_called_are_still_rqs():
    assert _parameters(RQScheduler.work) == _parameters(DeadlineScheduler.work)
    assert isinstance(inspect.getattr_static(RQScheduler, "should_reacquire_locks"), property)
    assert isinstance(inspect.getattr_static(RQScheduler, "acquired_locks"), property)
    # DeadlineScheduler passes these by name to RQScheduler.__init__.
    taken = {p.name for p in inspect.signature(RQScheduler.__init__).parameters.values()}
    assert {
        "queues",
        "connection",
        "interval",
        "logging_level",
        "date_format",
        "log_format",
        "serializer",
    } <= taken
    assert "auto_start" in inspect.signature(RQScheduler.acquire_locks).parameters
    called = (
        "register_birth",
        "register_death",
        "enqueue_scheduled_jobs",
        "release_locks",
        "start",
        "stop",
        "heartbeat",
        "save",
        "_install_signal_handlers",
    )
    for name in called:
        assert callable(getattr(RQScheduler, name, None)), name


def test_the_private_scheduler_attributes_read_are_still_there():
    scheduler = RQScheduler(["rq-internals"], connection=redis.Redis())  # never connects
    for name in ("_process", "_stop_requested", "lock_acquisition_time", "_queue_names"):
        assert hasattr(scheduler, name), name
    assert scheduler._queue_names == {"rq-internals"}


@pytest.fixture
def internals_queue(app):
    app.config.update(SCHEDULER_LOCK_SECONDS=10, SCHEDULER_CHECK_SECONDS=3)
    connection = queue().connection
    yield Queue("rq-internals", connection=connection)
    for key in connection.scan_iter("rq:scheduler-lock:rq-internals"):
        connection.delete(key)


def test_rqs_work_loop_starts_our_scheduler_and_its_lock_lives_as_configured(internals_queue):
    worker = DispatchWorker([internals_queue], connection=internals_queue.connection)
    # RQ's own loop, in burst mode: it calls _start_scheduler, which must be ours.
    worker.work(burst=True, with_scheduler=True)
    assert isinstance(worker.scheduler, DeadlineScheduler), "RQ no longer calls our override"
    # RQ's Redis socket timeout follows dequeue_timeout: an idle worker wakes to look
    # after the scheduler, so the timeout is seconds, not RQ's 415.
    assert worker.dequeue_timeout == 3
    assert worker.connection_timeout == worker.dequeue_timeout + 10

    # RQ's lock lives `interval + 60` s; DeadlineScheduler leans on that for its lock.
    scheduler = DeadlineScheduler(
        [internals_queue], connection=internals_queue.connection, poll_seconds=1, lock_seconds=10
    )
    scheduler.acquire_locks()
    try:
        ttl = internals_queue.connection.ttl(scheduler.get_locking_key("rq-internals"))
        assert 0 < ttl <= 10, f"the scheduler's lock lives {ttl} s, not the 10 configured"
    finally:
        scheduler.release_locks()
