"""Twilio's ambiguous failures, through the real twilio client and the local stub
(issue #7, 9): a timeout, a dropped connection, a 5xx or a worker that died after Twilio
took the page may have sent it, so the next try looks the page up at Twilio before
sending it again; when the lookup fails too, a resend is held, then counted."""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select, update

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import LeadEvent, Page
from dispatcher.pages import sending
from dispatcher.pages.sending import PageSending
from dispatcher.queue import queue
from dispatcher.sms import SendFailed, outbound, sms_transport
from tests.factories import CLAIM_TIMEOUT
from tests.twilio_retry_helpers import (
    TIMEOUT,
    events,
    log_lead,
    page,
    send_page,
)
from tests.webhook_helpers import ALICE, OFFICE
from workers.sweeper import sweep_once

pytestmark = [pytest.mark.twilio, pytest.mark.settings(TWILIO_TIMEOUT_SECONDS=TIMEOUT)]


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
    claimed = outbound.claim(
        PageSending(300),
        session=db.session,
        row_id=page_id,
        now=long_ago,
        claim_timeout=CLAIM_TIMEOUT,
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

    since = first.created_at - outbound.LOOKUP_MARGIN  # Twilio's times keep whole seconds
    found = sms_transport().find_sms(first.to_number, first.body, since=since)

    assert [m.sid for m in found] == [first.message_sid]
    assert outbound.unrecorded(db.session, found) == []


# -- the lookup itself fails ---------------------------------------------------------------


def test_a_failed_lookup_holds_the_page_then_sends_it_once_counted(
    office, twilio_stub, fake_time, caplog, monkeypatch
):
    # The in-process migration's logging.config.fileConfig disabled loggers that existed.
    monkeypatch.setattr(logging.getLogger("dispatcher.sms.outbound"), "disabled", False)
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
    with caplog.at_level(logging.WARNING, logger="dispatcher.sms.outbound"):
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

    original, sending.record_sent = sending.record_sent, crash
    try:
        send_page(page_id)
    except (WorkerDied, SendFailed):
        pass  # SendFailed: a fault scripted for the try met this one instead
    finally:
        sending.record_sent = original
    db.session.rollback()
    long_ago = utcnow() - CLAIM_TIMEOUT - timedelta(seconds=1)
    db.session.execute(update(Page).where(Page.id == page_id).values(send_claimed_at=long_ago))
    db.session.commit()


@pytest.mark.slow  # ~30 s: the benchmark's figures; .ci/run runs it once
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
