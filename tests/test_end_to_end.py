"""The whole spine with a real `rq worker --with-scheduler` process, a real Redis and a
2-second deadline: logged -> paged -> nobody answers -> reassigned -> notice; and the
acknowledged path where nothing is reassigned."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from dispatcher.extensions import db
from dispatcher.models import Lead, Notice, OutboxMessage, Page
from dispatcher.sms.outbox import development_auth_token

pytestmark = pytest.mark.e2e

DEADLINE = 2


@pytest.fixture
def worker(settings, instance_dir, request):
    settings["ACK_DEADLINE_SECONDS"] = DEADLINE
    env = {
        **os.environ,
        "DATABASE_URL": settings["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": settings["REDIS_URL"],
        "INSTANCE_PATH": instance_dir,
        "ACK_DEADLINE_SECONDS": str(DEADLINE),
        "SECRET_KEY": settings["SECRET_KEY"],
        "OFFICE_TIMEZONE": settings["OFFICE_TIMEZONE"],
    }
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL"):
        env.pop(name, None)
    request.getfixturevalue("office")
    db.session.commit()
    rq = os.path.join(os.path.dirname(sys.executable), "rq")
    process = subprocess.Popen(
        [
            rq,
            "worker",
            "--with-scheduler",
            "--worker-class",
            "workers.worker.DispatchWorker",
            "--url",
            settings["REDIS_URL"],
            "--path",
            os.getcwd(),
            settings["RQ_QUEUE"],
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    output, _ = process.communicate(timeout=15)
    print(output)  # pytest shows it when the test failed


def wait_for(condition, timeout: float, what: str):
    """Poll until condition() is truthy. Each look is its own short transaction: on SQLite
    an open transaction holds the write lock the worker needs."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        db.session.rollback()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def pages_of(lead_id: int) -> list[dict]:
    """The lead's pages as plain values, so they outlive the transaction."""
    rows = db.session.scalars(select(Page).where(Page.lead_id == lead_id).order_by(Page.id))
    return [
        {
            "id": p.id,
            "state": p.state,
            "to": p.to_number,
            "sent_at": p.sent_at,
            "deadline_at": p.deadline_at,
            "closed_at": p.closed_at,
            "salesperson_id": p.salesperson_id,
        }
        for p in rows
    ]


def sent_pages(lead_id: int, count: int) -> list[dict] | None:
    pages = pages_of(lead_id)
    return pages if len(pages) == count and all(p["sent_at"] for p in pages) else None


def outbox_texts(count: int) -> list[tuple[str, str]] | None:
    rows = db.session.execute(
        select(OutboxMessage.to_number, OutboxMessage.body).order_by(OutboxMessage.id)
    ).all()
    return [tuple(row) for row in rows] if len(rows) == count else None


def log_call(client) -> int:
    response = client.post(
        "/api/leads",
        json={"caller_phone": "202-555-0188", "kind": "buyer", "caller_name": "Mrs Example"},
    )
    db.session.rollback()
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_nobody_answers_so_the_lead_moves_on(worker, coordinator):
    lead_id = log_call(coordinator)
    [first] = wait_for(lambda: sent_pages(lead_id, 1), 10, "the first page")
    assert first["to"] == "+12025550101"  # Alice Chen, first in the rotation

    missed, second = wait_for(lambda: sent_pages(lead_id, 2), DEADLINE + 8, "the reassignment")
    assert missed["state"] == "missed" and second["state"] == "open"
    assert second["to"] == "+12025550102"  # Bruno Diaz, next in the rotation
    # Reassigned after the deadline, never before it.
    assert missed["closed_at"] >= missed["deadline_at"]

    # The two pages, and the SMS telling Alice where the lead went (issue 15), which a
    # job of its own sends after the reassignment's commit.
    texts = wait_for(lambda: outbox_texts(3), 10, "the SMS telling Alice the lead has gone")
    assert sorted(to for to, _body in texts) == ["+12025550101", "+12025550101", "+12025550102"]
    assert (
        "+12025550101",
        f"Ref {lead_id} went to a colleague",
    ) in {(to, body.split(" at ")[0]) for to, body in texts}
    notice = db.session.scalar(
        select(Notice.body).where(Notice.salesperson_id == missed["salesperson_id"])
    )
    assert notice is not None and f"Ref {lead_id}" in notice
    assert db.session.get(Lead, lead_id).state == "open"
    db.session.rollback()


def test_an_acknowledged_page_is_not_reassigned(worker, coordinator):
    lead_id = log_call(coordinator)
    wait_for(lambda: sent_pages(lead_id, 1), 10, "the page")
    params = {
        "MessageSid": "SM" + "1" * 32,
        "AccountSid": "AC" + "1" * 32,
        "From": "+12025550101",
        "To": "+15550000000",
        "Body": "OK",
    }
    url = "http://localhost/twilio/sms"
    signature = RequestValidator(development_auth_token()).compute_signature(url, params)
    reply = coordinator.post(url, data=params, headers={"X-Twilio-Signature": signature})
    db.session.rollback()
    assert reply.status_code == 200 and "is yours" in reply.get_data(as_text=True)

    time.sleep(DEADLINE + 1.5)  # past the deadline, with the scheduler's second of slack
    assert [p["state"] for p in pages_of(lead_id)] == ["acknowledged"]
    assert db.session.scalar(select(func.count(Notice.id))) == 0
    assert db.session.get(Lead, lead_id).state == "acknowledged"
    db.session.rollback()
