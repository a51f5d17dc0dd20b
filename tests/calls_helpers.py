"""What the verified-call tests share: the Twilio stub's webhooks delivered to the app
through Flask's test client (signed by the stub as Twilio signs), and a lead paged to
Alice and acknowledged."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import Lead, LeadEvent, PlacedCall
from dispatcher.pages.service import acknowledge_page
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
