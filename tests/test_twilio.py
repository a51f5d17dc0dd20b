"""The real twilio client against the local Twilio stub: the page goes out once, from the
office number, without client details; Twilio's refusals, rate limits, outages and
silence each end where the coordinator can see them."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.leads.service import current_page
from dispatcher.models import LeadEvent, Page
from dispatcher.queue import queue
from dispatcher.sms import SendFailed, sms_transport
from dispatcher.sms.twilio_transport import TwilioTransport
from tests.factories import new_lead
from tests.twilio_retry_helpers import page, send_page
from tests.webhook_helpers import ALICE, OFFICE
from workers import jobs

pytestmark = [
    pytest.mark.twilio,
    pytest.mark.settings(TWILIO_TIMEOUT_SECONDS=1, PUBLIC_BASE_URL="https://dispatch.example.com"),
]


def log_lead(office, **fields) -> tuple[int, int]:
    """A lead logged and committed; its id and its page's id."""
    lead = new_lead(office, **fields)
    ids = lead.id, current_page(session=db.session, lead_id=lead.id).id
    db.session.commit()
    return ids


def test_the_app_sends_with_the_real_twilio_client(app):
    transport = sms_transport()
    assert isinstance(transport, TwilioTransport)
    assert transport.client.http_client.timeout == 1


def test_a_logged_lead_is_paged_once_from_the_office_number(office, twilio_stub):
    lead_id, page_id = log_lead(office, caller_name="Mrs Example", caller_phone="(202) 555-0188")

    assert send_page(page_id) == "sent"

    [sms] = twilio_stub.messages
    assert (sms.to, sms.from_) == (ALICE, OFFICE)
    assert (
        sms.body
        == f"Client call, please call the office. Ref {lead_id}. Reply OK when you call back."
    )
    assert "Example" not in sms.body and "0188" not in sms.body
    assert sms.status_callback == "https://dispatch.example.com/twilio/status"
    sent = page(page_id)
    assert sent.message_sid == sms.sid and sent.message_sid.startswith("SM")
    assert sent.delivery_status == "queued" and sent.send_error is None
    # The acknowledgement deadline runs from when the page went out, to the next whole
    # second (RQ's scheduler keeps whole seconds).
    given = sent.deadline_at - sent.sent_at
    assert timedelta(seconds=300) <= given < timedelta(seconds=301)

    assert send_page(page_id) == "not-sendable"
    assert len(twilio_stub.requests) == 1


@pytest.mark.parametrize(
    ("code", "shown"),
    [(21614, "not a valid mobile number"), (21211, "not a valid phone number")],
)
def test_a_number_twilio_refuses_for_good_is_reported_without_a_retry(
    office, twilio_stub, code, shown
):
    lead_id, page_id = log_lead(office)
    twilio_stub.fail_next(code=code)

    assert send_page(page_id) == "failed"  # returned, not raised: RQ must not retry it

    failed = page(page_id)
    assert failed.sent_at is None and failed.message_sid is None
    assert shown in failed.send_error
    event = db.session.scalar(select(LeadEvent).where(LeadEvent.kind == "page_failed"))
    assert event.lead_id == lead_id and shown in event.detail
    assert twilio_stub.messages == []
    # The lead does not wait for a deadline that never started: the next one is paged.
    assert failed.state == "failed"
    nxt = db.session.scalar(select(Page).where(Page.lead_id == lead_id, Page.id != page_id))
    assert nxt is not None and nxt.state == "open" and nxt.salesperson.name == "Bruno Diaz"
    assert queue().get_job_ids()[-1] == f"send-{nxt.id}-0"


# A 429 is retried inside the transport first: tests/test_twilio_backoff.py.
@pytest.mark.parametrize("status", [500, 503])
def test_a_rate_limit_or_outage_raises_for_rq_and_leaves_the_page_sendable(
    office, twilio_stub, status
):
    _, page_id = log_lead(office)
    twilio_stub.fail_next(status)

    with pytest.raises(SendFailed) as error:
        send_page(page_id)

    assert not error.value.permanent
    waiting = page(page_id)
    assert waiting.sent_at is None and waiting.send_error
    assert waiting.send_claimed_at is None and waiting.send_attempts == 1
    # RQ's retry (or the sweeper) sends it once Twilio is back.
    assert send_page(page_id) == "sent"
    # The retry looked for the first try at Twilio before sending again.
    assert len(twilio_stub.messages) == 1 and len(twilio_stub.sends) == 2
    assert len(twilio_stub.lookups) == 1
    assert page(page_id).send_error is None


def test_twilio_that_does_not_answer_fails_within_the_timeout(office, twilio_stub):
    _, page_id = log_lead(office)
    twilio_stub.hang_next()

    started = time.monotonic()
    with pytest.raises(SendFailed):
        send_page(page_id)

    assert time.monotonic() - started < 2.5  # TWILIO_TIMEOUT_SECONDS is 1
    waiting = page(page_id)
    assert waiting.sent_at is None and "did not answer" in waiting.send_error
    assert send_page(page_id) == "sent"


def test_calls_are_logged_while_twilio_hangs(app, office, twilio_stub):
    _, page_id = log_lead(office)
    twilio_stub.hang_next()
    outcome = []

    def send_in_a_worker():
        with app.app_context():
            try:
                outcome.append(jobs.send_page(page_id))
            except SendFailed as error:
                outcome.append(error)

    worker = threading.Thread(target=send_in_a_worker)
    worker.start()
    twilio_stub.wait_for_requests(1)

    log_lead(office)  # a write while the worker waits on Twilio
    # Logged while the worker is still waiting for Twilio's answer: it did not wait.
    assert worker.is_alive(), "logging a call waited for Twilio"
    worker.join(5)
    assert isinstance(outcome[0], SendFailed)


def test_wrong_credentials_are_refused_as_twilio_does(app, twilio_stub):
    config = {**app.config, "TWILIO_AUTH_TOKEN": "0" * 32}
    transport = TwilioTransport.from_config(config)

    with pytest.raises(SendFailed) as error:
        transport.send_sms(ALICE, "test")

    assert (error.value.code, error.value.permanent) == (20003, True)
    [request] = twilio_stub.requests
    assert not request.authorized and request.status == 401
