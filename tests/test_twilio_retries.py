"""Twilio's failures, through the real twilio client and the local stub (issue #7, 9).

A 429 is retried inside the transport with backoff, full jitter and Retry-After, within
bounds; any other 4xx is final; a timeout, a dropped connection, a 5xx or a worker that
died after Twilio took the page is ambiguous, so the next try looks the page up at
Twilio before sending it again. Every wait goes through an injected sleep and clock:
nothing here sleeps for real, and the only real waits are sub-second client timeouts.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections import Counter
from datetime import timedelta

import pytest
from rq import SimpleWorker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select, update

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import LeadEvent, Page
from dispatcher.services import pages
from dispatcher.services.leads import current_page
from dispatcher.sms import SendFailed, sms_transport
from dispatcher.sms.twilio_transport import Backoff
from tests.factories import CLAIM_TIMEOUT, new_lead
from tests.twilio_stub import app_settings
from workers import jobs
from workers.scheduling import enqueue_send, queue
from workers.sweeper import sweep_once

OFFICE = "+12025550100"
ALICE = "+12025550101"  # first in the demo office's rotation
TIMEOUT = 0.3  # seconds: the client's timeout here, so ambiguous cases cost little


@pytest.fixture
def settings(settings, twilio_stub):
    settings.update(app_settings(twilio_stub, from_number=OFFICE), TWILIO_TIMEOUT_SECONDS=TIMEOUT)
    return settings


class FakeTime:
    """The transport's sleep, clock and random source: waits are recorded, not slept."""

    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []
        self.draws = itertools.cycle([0.5])

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def draw(self) -> float:
        return next(self.draws)


@pytest.fixture
def fake_time(app) -> FakeTime:
    fake = FakeTime()
    transport = sms_transport()
    transport.sleep, transport.clock, transport.draw = fake.sleep, fake.clock, fake.draw
    return fake


def log_lead(office) -> tuple[int, int]:
    """A lead logged and committed; its id and its page's id. The page is written now, as
    in production (the factory's clock is a fixed Monday), since the lookup searches
    Twilio from the page's writing on."""
    lead = new_lead(office)
    page = current_page(session=db.session, lead_id=lead.id)
    page.created_at = utcnow()
    ids = lead.id, page.id
    db.session.commit()
    return ids


def send_page(page_id: int) -> str:
    # The job has its own session; this test's must not hold SQLite's write lock.
    db.session.commit()
    return jobs.send_page(page_id)


def page(page_id: int) -> Page:
    db.session.expire_all()
    return db.session.get(Page, page_id)


def events(page_id: int, kind: str) -> list[LeadEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(LeadEvent).where(LeadEvent.page_id == page_id, LeadEvent.kind == kind)
        )
    )


# -- 429: backoff with full jitter, Retry-After, bounded ---------------------------------


def test_three_429s_then_201_send_exactly_one_message(office, twilio_stub, fake_time):
    lead_id, page_id = log_lead(office)
    twilio_stub.fail_next(429, times=3)

    assert send_page(page_id) == "sent"

    assert [r.status for r in twilio_stub.sends] == [429, 429, 429, 201]
    [sms] = twilio_stub.messages
    assert page(page_id).message_sid == sms.sid and page(page_id).send_attempts == 1
    # Exponential steps (0.5, 1, 2 s) with full jitter (the draw is 0.5 here).
    assert fake_time.slept == pytest.approx([0.25, 0.5, 1.0])
    assert twilio_stub.lookups == []  # a 429 is a refusal: nothing to look up


def test_retry_after_is_honoured_and_jitter_added_on_top(office, twilio_stub, fake_time):
    _, page_id = log_lead(office)
    twilio_stub.fail_next(429, times=2, retry_after=2)
    fake_time.draws = iter([0.0, 0.9])

    assert send_page(page_id) == "sent"

    assert len(fake_time.slept) == 2
    assert all(wait >= 2 for wait in fake_time.slept)
    assert fake_time.slept == pytest.approx([2.0, 2.0 + 0.9 * 1.0])
    assert len(twilio_stub.messages) == 1


def test_jitter_spreads_the_waits_within_the_exponential_step():
    backoff = Backoff()
    assert backoff.wait(1, None, 0.1) != backoff.wait(1, None, 0.9)
    rng = random.Random(7)
    for retry, step in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 4.0)):
        waits = [backoff.wait(retry, None, rng.random()) for _ in range(200)]
        assert min(waits) >= 0 and max(waits) < step  # capped at 4 s
        assert max(waits) - min(waits) > step / 2  # spread, not one fixed wait
        after = [backoff.wait(retry, 3.0, rng.random()) for _ in range(200)]
        assert min(after) >= 3.0 and max(after) < 3.0 + step


def test_rate_limiting_is_bounded_then_rq_retries(office, twilio_stub, fake_time):
    _, page_id = log_lead(office)
    twilio_stub.fail_next(429, times=100)
    fake_time.draws = itertools.cycle([0.99])

    started = time.monotonic()
    with pytest.raises(SendFailed) as error:
        send_page(page_id)

    assert time.monotonic() - started < 2  # no real sleeping
    assert not error.value.permanent and not error.value.ambiguous
    # At most 4 requests, and the waits stay within the 5 s budget.
    assert len(twilio_stub.sends) <= Backoff().attempts
    assert sum(fake_time.slept) <= Backoff().budget
    waiting = page(page_id)
    assert waiting.sent_at is None and "Too Many Requests" in waiting.send_error
    assert waiting.send_claimed_at is None  # free for RQ's retry or the sweeper


def test_a_retry_after_beyond_the_budget_is_left_to_rq(office, twilio_stub, fake_time):
    _, page_id = log_lead(office)
    twilio_stub.fail_next(429, retry_after=30)

    with pytest.raises(SendFailed):
        send_page(page_id)

    assert len(twilio_stub.sends) == 1 and fake_time.slept == []


def test_a_rate_limited_send_is_retried_by_rq_and_sent_once(office, twilio_stub, fake_time):
    _, page_id = log_lead(office)
    twilio_stub.fail_next(429, times=4)  # one more than one job's tries
    db.session.commit()
    enqueue_send(page_id)

    SimpleWorker([queue()], connection=queue().connection).work(burst=True)

    # RQ put the job back for its retry (after 5 s); run it now.
    registry = ScheduledJobRegistry(queue=queue())
    assert registry.get_job_ids() == [f"send-{page_id}-0"]
    queue().enqueue_job(queue().fetch_job(f"send-{page_id}-0"))
    registry.remove(f"send-{page_id}-0")
    SimpleWorker([queue()], connection=queue().connection).work(burst=True)

    assert len(twilio_stub.messages) == 1 and page(page_id).sent_at is not None


# -- a 4xx that cannot succeed ------------------------------------------------------------


def test_a_4xx_is_not_retried_end_to_end(office, twilio_stub, fake_time):
    lead_id, page_id = log_lead(office)
    twilio_stub.fail_next(code=21211, to=ALICE)
    db.session.commit()
    enqueue_send(page_id)

    SimpleWorker([queue()], connection=queue().connection).work(burst=True)

    refused, sent = twilio_stub.sends
    assert (refused.to, refused.status, sent.status) == (ALICE, 400, 201)
    assert fake_time.slept == [] and twilio_stub.lookups == []
    failed = page(page_id)
    assert failed.state == "failed" and "not a valid phone number" in failed.send_error
    assert failed.send_attempts == 1
    nxt = db.session.scalar(select(Page).where(Page.lead_id == lead_id, Page.id != page_id))
    assert (nxt.salesperson.name, nxt.message_sid) == ("Bruno Diaz", sent.sid)
    # Nothing waits to try Alice's page again: RQ saw a result, not an exception.
    assert queue().fetch_job(f"send-{page_id}-0").return_value() == "failed"
    assert FailedJobRegistry(queue=queue()).get_job_ids() == []
    assert ScheduledJobRegistry(queue=queue()).get_job_ids() == [f"reassign-{nxt.id}"]


# -- ambiguous answers: look the message up before sending again --------------------------


def script_timeout_after_accepting(stub):
    stub.delay_next(TIMEOUT + 0.5, accept=True)


def script_500_after_accepting(stub):
    stub.fail_next(500, accept=True)


def script_drop_after_accepting(stub):
    stub.drop_next(accept=True)


@pytest.mark.parametrize(
    "script",
    [script_timeout_after_accepting, script_500_after_accepting, script_drop_after_accepting],
)
def test_an_answer_lost_after_twilio_took_the_page_is_found_not_resent(
    office, twilio_stub, fake_time, script
):
    lead_id, page_id = log_lead(office)
    script(twilio_stub)

    with pytest.raises(SendFailed) as error:
        send_page(page_id)

    assert error.value.ambiguous and not error.value.permanent
    [taken] = twilio_stub.messages
    assert "may have gone out" in page(page_id).send_error

    assert send_page(page_id) == "found"  # RQ's retry

    assert len(twilio_stub.sends) == 1 and len(twilio_stub.messages) == 1
    [lookup] = twilio_stub.lookups
    assert (lookup.form["To"], lookup.form["From"]) == (ALICE, OFFICE)
    found = page(page_id)
    assert found.message_sid == taken.sid and found.sent_at is not None
    assert found.send_error is None and found.deadline_at > found.sent_at
    [paged] = events(page_id, "paged")
    assert "found there, not sent again" in paged.detail
    assert ScheduledJobRegistry(queue=queue()).get_job_ids() == [f"reassign-{page_id}"]
    assert send_page(page_id) == "not-sendable"


def test_an_answer_lost_before_twilio_took_it_is_sent_after_the_lookup(
    office, twilio_stub, fake_time
):
    _, page_id = log_lead(office)
    twilio_stub.fail_next(503)  # refused, nothing created

    with pytest.raises(SendFailed):
        send_page(page_id)
    assert send_page(page_id) == "sent"

    assert len(twilio_stub.lookups) == 1 and len(twilio_stub.messages) == 1


def test_a_worker_that_died_after_twilio_took_the_page_costs_no_second_sms(
    office, twilio_stub, fake_time
):
    _, page_id = log_lead(office)
    db.session.execute(  # written before the sweeper's grace, as a page it would pick up
        update(Page).where(Page.id == page_id).values(created_at=utcnow() - timedelta(minutes=2))
    )
    # The worker claims the page, Twilio takes it, and the worker dies before recording it.
    die_after_twilio_answered(page_id)
    [taken] = twilio_stub.messages
    assert page(page_id).sent_at is None
    db.session.commit()  # the sweeper has its own session; SQLite's lock must be free

    # The sweeper finds the stale claim, looks the page up and records what it finds.
    sweep_once()

    assert len(twilio_stub.messages) == 1 and len(twilio_stub.lookups) == 1
    found = page(page_id)
    assert (found.message_sid, found.send_attempts) == (taken.sid, 2)
    [paged] = events(page_id, "paged")
    assert "found there, not sent again" in paged.detail


def test_a_worker_that_died_before_twilio_took_the_page_is_sent_by_the_sweeper(
    office, twilio_stub, fake_time
):
    _, page_id = log_lead(office)
    long_ago = utcnow() - CLAIM_TIMEOUT - timedelta(seconds=1)
    claimed = pages.claim_send(
        session=db.session, page_id=page_id, now=long_ago, claim_timeout=CLAIM_TIMEOUT
    )
    claimed.created_at = long_ago - timedelta(seconds=1)
    db.session.commit()

    assert sweep_once()["sent"] == 1

    assert len(twilio_stub.lookups) == 1 and len(twilio_stub.messages) == 1


def test_an_sms_recorded_on_another_page_is_not_taken_for_this_one(office, twilio_stub, fake_time):
    # The same salesperson paged again for the same lead gets the same body ("Ref n").
    _, first_id = log_lead(office)
    assert send_page(first_id) == "sent"
    first = page(first_id)

    since = first.created_at - jobs.LOOKUP_MARGIN  # Twilio's times keep whole seconds
    found = sms_transport().find_sms(first.to_number, first.body, since=since)

    assert [m.sid for m in found] == [first.message_sid]
    assert jobs._unrecorded(found) == []


# -- the lookup itself fails ---------------------------------------------------------------


def test_a_failed_lookup_holds_the_page_then_sends_it_once_counted(
    office, twilio_stub, fake_time, caplog, monkeypatch
):
    # The in-process migration's logging.config.fileConfig disabled loggers that existed.
    monkeypatch.setattr(logging.getLogger("workers.jobs"), "disabled", False)
    lead_id, page_id = log_lead(office)
    twilio_stub.fail_next(500, accept=True)  # try 1: Twilio took it, answered 500
    with pytest.raises(SendFailed):
        send_page(page_id)

    # Try 2: the lookup is refused; nothing is sent blind, RQ tries again later.
    twilio_stub.fail_lookup_next(500)
    with pytest.raises(SendFailed):
        send_page(page_id)
    held = page(page_id)
    assert held.sent_at is None and "Not sent again until Twilio can be checked" in (
        held.send_error
    )
    assert len(twilio_stub.sends) == 1

    # Try 3: refused again; the page goes out rather than wait longer, counted.
    twilio_stub.fail_lookup_next(500)
    with caplog.at_level(logging.WARNING, logger="workers.jobs"):
        assert send_page(page_id) == "sent"

    assert len(twilio_stub.messages) == 2  # the possible duplicate happened here
    [counted] = events(page_id, "unchecked_resend")
    assert "it may arrive twice" in counted.detail and counted.lead_id == lead_id
    assert any("possible duplicate" in r.getMessage() for r in caplog.records)
    assert page(page_id).message_sid == twilio_stub.messages[1].sid


def test_only_one_unchecked_resend_per_page(office, twilio_stub, fake_time):
    _, page_id = log_lead(office)
    twilio_stub.fail_next(500, accept=True)
    with pytest.raises(SendFailed):
        send_page(page_id)
    twilio_stub.fail_lookup_next(500, times=2)
    with pytest.raises(SendFailed):
        send_page(page_id)  # try 2: held
    twilio_stub.fail_next(500, accept=True)
    with pytest.raises(SendFailed):
        send_page(page_id)  # try 3: the unchecked resend, ambiguous again

    for _ in range(3):  # tries 4-6: lookups refused; no further blind resend
        twilio_stub.fail_lookup_next(500)
        with pytest.raises(SendFailed):
            send_page(page_id)

    assert len(twilio_stub.messages) == 2 and len(events(page_id, "unchecked_resend")) == 1

    # Twilio answers lookups again: both copies are found, the duplicate is counted.
    assert send_page(page_id) == "found"
    assert page(page_id).message_sid == twilio_stub.messages[0].sid
    [duplicate] = events(page_id, "duplicate_sms")
    assert "2 times" in duplicate.detail


def test_a_hung_lookup_is_not_followed_by_a_send_in_the_same_job(office, twilio_stub, fake_time):
    _, page_id = log_lead(office)
    twilio_stub.fail_next(500)
    for _ in range(2):
        with pytest.raises(SendFailed):
            send_page(page_id)  # try 2 looks up, finds nothing and gets a 500 again
        twilio_stub.fail_next(500)
    twilio_stub.clear()
    twilio_stub.fail_lookup_next(delay=TIMEOUT + 0.5)

    started = time.monotonic()
    with pytest.raises(SendFailed) as error:
        send_page(page_id)  # try 3: the lookup hangs

    # One timeout, not two: a hung Twilio holds a job at most TWILIO_TIMEOUT_SECONDS.
    assert error.value.timed_out and time.monotonic() - started < 2 * TIMEOUT + 0.2
    assert twilio_stub.sends == [] and events(page_id, "unchecked_resend") == []


# -- many pages under mixed faults: the duplicate count ------------------------------------


def send_until_out(page_id: int, before_try) -> int:
    """Run the send job as RQ's retries and the sweeper would, until the page is out;
    the number of tries."""
    for attempt in range(1, 10):
        before_try(attempt)
        try:
            if send_page(page_id) in ("sent", "found"):
                return attempt
        except SendFailed:
            pass
    raise AssertionError(f"page {page_id} not out after 9 tries")


class WorkerDied(BaseException):
    """kill -9 in the middle of the job, after Twilio answered and before the commit."""


def die_after_twilio_answered(page_id: int) -> None:
    """Run the send job until Twilio has answered, then kill it: nothing recorded and
    its claim left behind, gone stale by the time the retry or the sweeper comes."""

    def crash(**_):
        raise WorkerDied

    original, pages.record_sent = pages.record_sent, crash
    try:
        send_page(page_id)
    except (WorkerDied, SendFailed):
        pass  # SendFailed: a fault scripted for the try met this one instead
    finally:
        pages.record_sent = original
    db.session.rollback()
    long_ago = utcnow() - CLAIM_TIMEOUT - timedelta(seconds=1)
    db.session.execute(update(Page).where(Page.id == page_id).values(send_claimed_at=long_ago))
    db.session.commit()


@pytest.mark.parametrize(("lookups_fail", "count"), [(False, 100), (True, 50)])
def test_mixed_faults_duplicate_count(office, twilio_stub, fake_time, lookups_fail, count):
    """``count`` pages, each try drawn from: fine (2 in 8), 429s, a 500 before or after
    Twilio took the page, a dropped connection or a timeout after it took it, a worker
    killed after Twilio answered; with ``lookups_fail`` each lookup is also refused one
    time in three. Prints the figures bench/README.md records."""
    rng = random.Random(20261123 + lookups_fail)
    faults = Counter()

    def before_try(page_id: int):
        def script(attempt: int) -> None:
            fault = rng.choice(
                ["ok", "ok", "429", "500", "500-taken", "drop-taken", "timeout-taken", "died"]
            )
            if attempt > 1 and lookups_fail and rng.random() < 1 / 3:
                twilio_stub.fail_lookup_next(500)
                faults["lookup refused"] += 1
            faults[fault] += 1
            if fault == "429":
                twilio_stub.fail_next(429, times=rng.randint(1, 3), retry_after=rng.randint(0, 1))
            elif fault == "500":
                twilio_stub.fail_next(500)
            elif fault == "500-taken":
                script_500_after_accepting(twilio_stub)
            elif fault == "drop-taken":
                script_drop_after_accepting(twilio_stub)
            elif fault == "timeout-taken":
                script_timeout_after_accepting(twilio_stub)
            elif fault == "died":
                die_after_twilio_answered(page_id)

        return script

    page_ids = []
    for _ in range(count):
        _, page_id = log_lead(office)
        page_ids.append(page_id)
        send_until_out(page_id, before_try(page_id))

    per_page = Counter()
    for sms in twilio_stub.messages:
        per_page[(sms.to, sms.body)] += 1
    duplicates = sum(n - 1 for n in per_page.values())
    unchecked = db.session.scalar(
        select(db.func.count()).select_from(LeadEvent).where(LeadEvent.kind == "unchecked_resend")
    )
    counted = db.session.scalar(
        select(db.func.count()).select_from(LeadEvent).where(LeadEvent.kind == "duplicate_sms")
    )
    print(
        f"\nlookups fail={lookups_fail}: {len(page_ids)} pages, {len(twilio_stub.sends)} sends, "
        f"{len(twilio_stub.lookups)} lookups, {len(twilio_stub.messages)} SMS, "
        f"duplicates {duplicates}, unchecked resends {unchecked}, counted {counted}; "
        f"faults {dict(sorted(faults.items()))}"
    )
    assert len(per_page) == len(page_ids)
    assert all(page(page_id).sent_at is not None for page_id in page_ids)
    assert max(per_page.values()) <= 2  # at most one duplicate per page
    assert duplicates <= unchecked  # every duplicate was a counted unchecked resend
    if not lookups_fail:
        assert duplicates == 0 and unchecked == 0
