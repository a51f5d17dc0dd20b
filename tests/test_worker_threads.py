"""WORKER_THREADS (issue 18): a worker runs several jobs at once, each in a thread of its
own, since a page's job waits mostly on Twilio. Every page still goes out once, no more
than WORKER_THREADS at a time, and a job's timeout still holds in a thread (SIGALRM
reaches only the main thread)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.leads.service import current_page
from dispatcher.models import Page
from dispatcher.queue import enqueue_send, queue
from tests.factories import new_lead
from workers.worker import DispatchWorker

THREADS = 4
PAGES = 8
LATENCY = 0.2  # the stub's answer to every message

pytestmark = [
    pytest.mark.commits,  # the job threads have sessions of their own
    pytest.mark.twilio,
    pytest.mark.settings(WORKER_THREADS=THREADS),
]


@pytest.fixture
def worker(app, monkeypatch):
    # A job thread has no app context of its own: it builds one from the worker's app,
    # here the test's.
    monkeypatch.setattr("workers.context._app", app)
    return DispatchWorker([queue()], connection=queue().connection)


def test_one_worker_sends_its_pages_several_at_once_and_each_once(office, twilio_stub, worker):
    twilio_stub.latency = LATENCY
    page_ids = []
    for n in range(PAGES):
        lead = new_lead(office, caller_phone=f"+1202555{1100 + n}", caller_name="")
        page_ids.append(current_page(session=db.session, lead_id=lead.id).id)
    db.session.commit()
    for page_id in page_ids:
        enqueue_send(page_id)

    worker.work(burst=True)

    sends = twilio_stub.sends
    refs = Counter(re.search(r"Ref (\d+)\.", r.body).group(1) for r in sends)
    assert len(sends) == PAGES and set(refs.values()) == {1}, "each page sent exactly once"
    db.session.rollback()
    sent = db.session.scalars(select(Page).where(Page.id.in_(page_ids))).all()
    assert all(page.sent_at and page.message_sid for page in sent)
    # Requests arriving less than the stub's latency apart were at the stub together.
    arrivals = sorted(r.at_monotonic for r in sends)
    at_once = max(
        sum(1 for t in arrivals if start <= t < start + LATENCY * 0.95) for start in arrivals
    )
    assert 1 < at_once <= THREADS


def slow_job(seconds: float) -> str:
    """Python code running for ``seconds`` (a timeout is raised between its steps)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.01)
    return "finished"


def test_a_job_running_in_a_thread_is_still_stopped_at_its_timeout(worker):
    job = queue().enqueue(slow_job, 5, job_timeout=1)
    began = time.monotonic()

    worker.work(burst=True)

    assert time.monotonic() - began < 4
    assert job.get_status(refresh=True) == "failed"
    assert "JobTimeoutException" in job.latest_result().exc_string


def test_a_warm_shutdown_lets_the_jobs_running_in_threads_finish(app, settings, instance_dir):
    # By its name from the repository's root: the worker process imports it so.
    slow = "tests.test_worker_threads.slow_job"
    jobs = [queue().enqueue(slow, 1.5, job_timeout=30) for _ in range(THREADS)]
    env = {
        **os.environ,
        "DATABASE_URL": settings["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": settings["REDIS_URL"],
        "INSTANCE_PATH": instance_dir,
        "SECRET_KEY": settings["SECRET_KEY"],
        "WORKER_THREADS": str(THREADS),
    }
    rq = os.path.join(os.path.dirname(sys.executable), "rq")
    command = [rq, "worker", "--worker-class", "workers.worker.DispatchWorker"]
    worker = subprocess.Popen(
        [*command, "--url", settings["REDIS_URL"], "--path", os.getcwd(), settings["RQ_QUEUE"]],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        end = time.monotonic() + 20
        while time.monotonic() < end and not all(
            j.get_status(refresh=True) == "started" for j in jobs
        ):
            time.sleep(0.05)
        assert all(job.get_status() == "started" for job in jobs), "all running at once"
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        worker.kill()
        print(worker.communicate()[0])  # pytest shows it when the test failed
    assert [job.get_status(refresh=True) for job in jobs] == ["finished"] * THREADS
