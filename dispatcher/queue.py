"""Redis and the RQ queue, attached to the app in the factory, and putting jobs on it:
always after the commit, with fixed job ids so the same job is never queued twice."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta

import redis
from flask import Flask, current_app
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job

from dispatcher import embedded_redis


def init_queue(app: Flask) -> None:
    if not app.config.get("REDIS_URL"):
        app.config["REDIS_URL"] = embedded_redis.url(app.instance_path)
    # Short timeouts: a Redis that is away must not hold up logging a call.
    connection = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
    )
    app.extensions["redis"] = connection
    app.extensions["rq_queue"] = Queue(app.config["RQ_QUEUE"], connection=connection)


log = logging.getLogger(__name__)


def queue() -> Queue:
    return current_app.extensions["rq_queue"]


def enqueue_send(page_id: int, attempt: int = 0) -> bool:
    """Queue the page's sending; False when Redis is away (the sweeper sends it later)."""
    return _enqueue_sms(
        "workers.jobs.send_page", page_id, f"send-{page_id}-{attempt}", f"page {page_id}"
    )


def enqueue_manager_message(message_id: int) -> bool:
    """Queue an SMS to the manager; False when Redis is away (the sweeper sends it later)."""
    return _enqueue_sms(
        "workers.jobs.send_manager_message",
        message_id,
        f"manager-message-{message_id}",
        f"manager message {message_id}",
    )


def enqueue_page_call(page_id: int) -> bool:
    """Queue the voice call of a page now (dispatcher/voice/pages.py), once; False when
    Redis is away."""
    return schedule_page_call(page_id, None)


def schedule_page_call(page_id: int, at: datetime | None) -> bool:
    """Place the page's voice call at ``at`` (None: now), once: the job's id is fixed
    (``call-page-<id>``) and the call is claimed on the page's row, so a second job or
    the sweeper's backstop places nothing more."""
    return _schedule_once(
        "workers.jobs.call_page", (page_id,), f"call-page-{page_id}", at, f"call of page {page_id}"
    )


def _schedule_once(
    function: str,
    args: tuple,
    job_id: str,
    at: datetime | None,
    what: str,
    *,
    retry: Retry | None = None,
    at_front: bool = False,
) -> bool:
    """Queue the job under its fixed id, now (``at`` None) or at ``at`` (naive UTC), once.

    RQ keeps scheduled times in whole seconds and truncates, so the job is put on the
    next whole second after ``at``. ``enqueue_in``/``enqueue_at`` would silently move an
    existing job with the same id; ``schedule_job(unique=True)`` refuses it. False when
    Redis is away: the sweeper is every such job's backstop."""
    q = queue()
    job = Job.create(
        function,
        args=args,
        id=job_id,
        connection=q.connection,
        origin=q.name,
        result_ttl=600,
        retry=retry,
    )
    job.enqueue_at_front = at_front
    try:
        if at is None:
            q.enqueue_job(job, unique=True)
        else:
            when = datetime.fromtimestamp(math.ceil(at.replace(tzinfo=UTC).timestamp()), UTC)
            q.schedule_job(job, when, unique=True)
    except DuplicateJobError:
        pass
    except redis.RedisError as error:
        log.warning("%s not queued (redis: %s); the sweeper will", what, error)
        return False
    return True


def _enqueue_sms(function: str, record_id: int, job_id: str, what: str) -> bool:
    """Queue one SMS job under its fixed id, once; a transient Twilio failure raises in
    the job and RQ tries again after these waits."""
    try:
        queue().enqueue(
            function,
            record_id,
            job_id=job_id,
            unique=True,
            result_ttl=600,
            retry=Retry(max=4, interval=[5, 15, 30, 60]),
        )
    except DuplicateJobError:
        pass
    except redis.RedisError as error:
        log.warning("%s not queued for sending (redis: %s); the sweeper will", what, error)
        return False
    return True


def schedule_deadline(page_id: int, deadline_at: datetime, attempt: int = 0) -> bool:
    """Run the deadline check for the page at its deadline, once."""
    job_id = f"reassign-{page_id}" if attempt == 0 else f"reassign-{page_id}-{attempt}"
    # When due, the check goes to the front of the queue: a missed page waits for the
    # next free worker, not behind every page queued for sending in a busy minute.
    return _schedule_once(
        "workers.jobs.check_deadline",
        (page_id, attempt),
        job_id,
        deadline_at,
        f"deadline of page {page_id}",
        at_front=True,
    )


def schedule_courtesy(message_id: int, send_at: datetime, attempt: int = 0) -> bool:
    """Send the courtesy message at its minute, once: the job's id is fixed
    (``courtesy-<id>``; ``-<n>`` when the quiet hours put it off), so planning again or
    a second clock process queues nothing more. False when Redis is away (the sweeper
    sends it once it is overdue)."""
    job_id = f"courtesy-{message_id}" if attempt == 0 else f"courtesy-{message_id}-{attempt}"
    return _schedule_once(
        "workers.jobs.send_courtesy",
        (message_id,),
        job_id,
        send_at,
        f"courtesy message {message_id}",
        retry=Retry(max=4, interval=[5, 15, 30, 60]),
    )


def schedule_reach_check(page_id: int, due_at: datetime | None = None, attempt: int = 0) -> bool:
    """Check once, when due, whether the client of an acknowledged lead was reached
    (dispatcher/calls/not_reached.py). Without ``due_at`` (just acknowledged):
    NOT_REACHED_REMINDER_MINUTES from now, and the check puts itself off to the working
    minute it is really due (``attempt``: that minute, so a put-off is a new fixed id).
    False when Redis is away: the sweeper checks it once overdue."""
    if due_at is None:
        minutes = current_app.config["NOT_REACHED_REMINDER_MINUTES"]
        due_at = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=minutes)
    job_id = f"reach-{page_id}" if attempt == 0 else f"reach-{page_id}-{attempt}"
    return _schedule_once(
        "workers.jobs.check_not_reached",
        (page_id,),
        job_id,
        due_at,
        f"reach check of page {page_id}",
    )
