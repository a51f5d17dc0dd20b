"""Twilio's failures, through the real twilio client and the local stub (issue #7, 9):
a 429 is retried inside the transport with backoff, full jitter and Retry-After, within
bounds, then left to RQ; any other 4xx is final."""

from __future__ import annotations

import itertools
import random
import time

import pytest
from rq import SimpleWorker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import Page
from dispatcher.queue import enqueue_send, queue
from dispatcher.sms import SendFailed
from dispatcher.sms.twilio_transport import Backoff
from tests.twilio_retry_helpers import (
    TIMEOUT,
    log_lead,
    page,
    send_page,
)
from tests.webhook_helpers import ALICE

pytestmark = [pytest.mark.twilio, pytest.mark.settings(TWILIO_TIMEOUT_SECONDS=TIMEOUT)]


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

    # Two sends: no SMS tells Alice the lead has gone, to a number Twilio refused.
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
