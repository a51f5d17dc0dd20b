"""What the verified-call tests share: the Twilio stub's webhooks delivered to the app
through Flask's test client (signed by the stub as Twilio signs), and a lead paged to
Alice and acknowledged."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads import calls
from dispatcher.leads.stubs import log_call_stub
from dispatcher.models import Lead, LeadEvent, PlacedCall
from dispatcher.pages.service import acknowledge_page
from dispatcher.sms.outbox import new_sid
from tests.factories import paged_lead

CLIENT = "+12025550188"  # the number tests/factories.py's leads are logged with


def deliver_to(app, twilio_stub):
    """The stub's webhooks go to ``app`` (a client of their own: no one signed in)."""
    webhooks = app.test_client()

    def deliver(url, form, signature):
        response = webhooks.post(url, data=form, headers={"X-Twilio-Signature": signature})
        return response.status_code, response.get_data(as_text=True)

    twilio_stub.deliver = deliver
    return webhooks


def acknowledged_lead(office, **fields) -> SimpleNamespace:
    """A lead paged to Alice (the first of the rotation) who said OK."""
    paged = paged_lead(office, **fields)
    assert acknowledge_page(session=db.session, page_id=paged.page, now=utcnow(), by="sms")
    db.session.commit()
    return paged


def live_call(office, now) -> int:
    """A caller on the line with the coordinator (the voice webhook's records, written as
    it writes them): the id of the call's stub, read before the commit (a read after it
    would begin a transaction, holding SQLite's write lock against a live server)."""
    stub = log_call_stub(
        session=db.session, office_id=office.id, phone="+12025550177", now=now, detail="Call"
    )
    plan = calls.CallPlan("coordinator", dial="+12025550150", lead_id=stub.id)
    calls.remember_call(
        session=db.session, call_sid=new_sid("CA"), from_number="", now=now, plan=plan, twiml=""
    )
    stub_id = stub.id
    db.session.commit()
    return stub_id


def lead(lead_id: int) -> Lead:
    db.session.expire_all()
    return db.session.get(Lead, lead_id)


def placed_calls() -> list[PlacedCall]:
    db.session.expire_all()
    return list(db.session.scalars(select(PlacedCall).order_by(PlacedCall.id)))


def reached_events(lead_id: int) -> list[LeadEvent]:
    return list(
        db.session.scalars(
            select(LeadEvent).where(
                LeadEvent.lead_id == lead_id, LeadEvent.kind == "client_reached"
            )
        )
    )
