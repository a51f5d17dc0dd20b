"""C4 and the design's invariant: a client's name and number never go into a page nor
into a log line, whatever happens to the lead."""

import logging
from datetime import timedelta

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import OutboxMessage, Page
from dispatcher.sms.outbox import development_auth_token
from workers import jobs

NAME, PHONE = "Zebulon Quixote", "202-555-0188"
SECRETS = ("Zebulon", "Quixote", "5550188", "555-0188", "2025550188")


def sms(client, sender, body, sid):
    params = {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+15550000000",
        "Body": body,
    }
    url = "http://localhost/twilio/sms"
    signature = RequestValidator(development_auth_token()).compute_signature(url, params)
    return client.post(url, data=params, headers={"X-Twilio-Signature": signature})


def test_no_caller_name_or_number_in_any_page_or_log_line(coordinator, caplog):
    caplog.set_level(logging.DEBUG)
    lead = coordinator.post(
        "/api/leads", json={"caller_phone": PHONE, "kind": "buyer", "caller_name": NAME}
    ).json
    bad = coordinator.post(
        "/api/leads", json={"caller_phone": "202-555-01", "kind": "buyer", "caller_name": NAME}
    )
    assert bad.status_code == 422
    first = db.session.scalar(select(Page.id).where(Page.lead_id == lead["id"]))
    db.session.commit()
    jobs.send_page(first)
    page = db.session.get(Page, first)
    page.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    jobs.check_deadline(first)
    sms(coordinator, "+12025550102", "OK", "SM" + "7" * 32)
    # The caller texting the office number is not a salesperson: logged without the body.
    sms(coordinator, "+12025550188", f"Hi this is {NAME}, call me on {PHONE}", "SM" + "8" * 32)
    coordinator.get(f"/api/leads/{lead['id']}")

    bodies = [
        m.body
        for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.direction == "outbound")
        )
    ]
    assert len(bodies) >= 2
    for text in bodies + [record.getMessage() for record in caplog.records]:
        assert not any(secret in text for secret in SECRETS), text
