"""Issue #7, race 5: each webhook Twilio sends, delivered five times at the same moment
with the same MessageSid or CallSid, through a real threaded HTTP server. One state
change, and every copy answered alike with success (Twilio retries what fails)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from flask import current_app
from sqlalchemy import select
from werkzeug.serving import make_server

from dispatcher.extensions import db
from dispatcher.models import InboundCall, InboundMessage, Lead, ManagerMessage, Page
from dispatcher.sms.outbox import new_sid
from tests.factories import paged_lead
from tests.webhook_helpers import (
    ALICE,
    COORDINATOR,
    STRANGER,
    call_params,
    count,
    events,
    receipt_params,
    sign,
    sms_params,
    state,
)

COPIES = 5


pytestmark = [
    pytest.mark.twilio,
    pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR),
    pytest.mark.commits,  # the server's threads read what the test commits
]


@pytest.fixture
def server(app):
    """The app behind werkzeug's threaded server: each copy has its own thread, its own
    app context and its own database connection, as under gunicorn."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(5)


def deliver_at_once(server: str, path: str, params: dict) -> list[requests.Response]:
    """The same signed request, COPIES times, released together."""
    # The test's own transaction must end first: on SQLite it would hold the write lock.
    db.session.commit()
    url = server + path
    public = current_app.config.get("PUBLIC_BASE_URL")
    signed_url = public.rstrip("/") + path if public else url
    headers = {"X-Twilio-Signature": sign(signed_url, params)}
    start = threading.Barrier(COPIES)

    def one(_copy: int) -> requests.Response:
        start.wait()
        return requests.post(url, data=params, headers=headers, timeout=30)

    with ThreadPoolExecutor(COPIES) as pool:
        answers = list(pool.map(one, range(COPIES)))
    db.session.expire_all()
    return answers


def assert_answered_alike(answers: list[requests.Response], status: int = 200) -> None:
    assert [answer.status_code for answer in answers] == [status] * COPIES
    assert len({answer.text for answer in answers}) == 1, [a.text for a in answers]


def pages_of(lead_id: int) -> list[Page]:
    return list(db.session.scalars(select(Page).where(Page.lead_id == lead_id)))


def test_an_acknowledgement_delivered_five_times_at_once_acknowledges_once(server, office):
    paged = paged_lead(office)

    answers = deliver_at_once(server, "/twilio/sms", sms_params("OK"))

    assert_answered_alike(answers)
    assert "is yours" in answers[0].text
    assert state(paged) == ("acknowledged", "acknowledged")
    assert len(events("acknowledged")) == 1
    assert count(InboundMessage) == 1


def test_a_pass_delivered_five_times_at_once_moves_the_lead_once(server, office):
    paged = paged_lead(office)

    answers = deliver_at_once(server, "/twilio/sms", sms_params("NO"))

    assert_answered_alike(answers)
    assert state(paged)[0] == "declined"
    # The lead went to exactly one next salesperson.
    assert len(pages_of(paged.lead)) == 2
    assert count(InboundMessage) == 1


def test_an_outcome_delivered_five_times_at_once_is_recorded_once(server, office):
    paged = paged_lead(office)
    deliver_at_once(server, "/twilio/sms", sms_params("OK"))

    answers = deliver_at_once(server, "/twilio/sms", sms_params(f"DONE {paged.lead} APPOINTMENT"))

    assert_answered_alike(answers)
    assert len(events("outcome")) == 1
    assert count(InboundMessage) == 2


def test_a_stop_delivered_five_times_at_once_tells_the_manager_once(server, office):
    paged_lead(office)

    answers = deliver_at_once(server, "/twilio/sms", sms_params("STOP"))

    assert_answered_alike(answers)
    assert count(ManagerMessage) == 1


def test_a_failed_receipt_delivered_five_times_at_once_reassigns_once(server, office):
    paged = paged_lead(office)
    sid = db.session.get(Page, paged.page).message_sid
    params = receipt_params(sid, "undelivered", ErrorCode="30003")

    answers = deliver_at_once(server, "/twilio/status", params)

    assert_answered_alike(answers, status=204)
    assert state(paged)[0] == "failed"
    assert len(events("page_undelivered")) == 1
    assert len(pages_of(paged.lead)) == 2


def test_a_delivered_receipt_five_times_at_once_leaves_the_page_waiting(server, office):
    paged = paged_lead(office)
    sid = db.session.get(Page, paged.page).message_sid

    answers = deliver_at_once(server, "/twilio/status", receipt_params(sid, "delivered"))

    assert_answered_alike(answers, status=204)
    assert db.session.get(Page, paged.page).delivery_status == "delivered"
    assert state(paged) == ("open", "open")


def test_a_caller_delivered_five_times_at_once_is_logged_once(server, office):
    answers = deliver_at_once(server, "/twilio/voice", call_params(STRANGER))

    assert_answered_alike(answers)
    assert count(InboundCall) == 1
    assert len(db.session.scalars(select(Lead).where(Lead.state == "stub")).all()) == 1


def test_a_call_back_delivered_five_times_at_once_acknowledges_once(server, office):
    paged = paged_lead(office)

    answers = deliver_at_once(server, "/twilio/voice", call_params(ALICE, sid=new_sid("CA")))

    assert_answered_alike(answers)
    assert state(paged) == ("acknowledged", "acknowledged")
    assert len(events("acknowledged")) == 1
    assert len(events("details_by_call")) == 1
