"""The salesperson's own page: open pages, and the notice after a missed page (C6)."""

from datetime import timedelta

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads.service import LeadDetails, current_page
from dispatcher.leads.transactions import log_and_page
from tests.app_setup import sign_in
from workers import jobs


def test_a_salesperson_lands_on_their_page_and_sees_the_notice_after_a_miss(client, office):
    lead = log_and_page(
        LeadDetails(caller_phone="202-555-0188", kind="buyer", caller_name="Zebulon"),
        user_id=None,
        actor="test",
    )
    page_id = current_page(session=db.session, lead_id=lead.id).id
    db.session.commit()
    jobs.send_page(page_id)

    response = client.post("/sign-in", data={"username": "alice", "password": "demo-password"})
    assert response.headers["Location"] == "/me"
    mine = client.get("/me").get_data(as_text=True)
    assert f"Ref {lead.id}" in mine and "No notices." in mine
    assert "Zebulon" not in mine  # the details come by calling the office (C4)

    page = current_page(session=db.session, lead_id=lead.id)
    page.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert jobs.check_deadline(page_id) == "reassigned"

    mine = client.get("/me").get_data(as_text=True)
    assert "No open pages." in mine
    assert f"(Ref {lead.id}). You were paged at" in mine
    assert "the client was given to a colleague" in mine


def test_only_salespeople_have_a_page(client, office):
    sign_in(client, "coordinator")
    assert client.get("/me").status_code == 403


def test_the_salesperson_sees_details_only_after_acknowledging_and_reports_the_outcome(
    client, office
):
    from datetime import datetime

    from sqlalchemy import select

    from dispatcher.models import Lead, Page
    from dispatcher.pages.service import acknowledge_page

    lead = log_and_page(
        LeadDetails(caller_phone="202-555-0188", kind="buyer", caller_name="Zebulon"),
        user_id=None,
        actor="test",
    )
    page_id = current_page(session=db.session, lead_id=lead.id).id
    lead_id = lead.id
    db.session.commit()
    jobs.send_page(page_id)
    sign_in(client, "alice")
    assert "Zebulon" not in client.get("/me").get_data(as_text=True)

    assert acknowledge_page(session=db.session, page_id=page_id, now=utcnow(), by="sms")
    db.session.commit()
    mine = client.get("/me").get_data(as_text=True)
    assert "Zebulon" in mine and "+12025550188" in mine
    assert "Paged 1 · acknowledged 1 · missed 0" in mine

    response = client.post(f"/me/leads/{lead_id}/outcome", data={"outcome": "appointment_set"})
    assert response.status_code == 303
    assert db.session.get(Lead, lead_id).outcome == "appointment_set"
    assert "<dt>Reported</dt><dd>appointment set</dd>" in client.get("/me").get_data(as_text=True)
    # Bad outcome: refused, nothing changed.
    client.post(f"/me/leads/{lead_id}/outcome", data={"outcome": "sold it twice"})
    assert db.session.get(Lead, lead_id).outcome == "appointment_set"
    assert isinstance(db.session.scalar(select(Page.acknowledged_at)), datetime)


def test_a_salesperson_cannot_report_on_another_salespersons_lead(client, office):
    from dispatcher.pages.service import acknowledge_page

    lead = log_and_page(
        LeadDetails(caller_phone="202-555-0188", kind="buyer", listing="L-1002"),
        user_id=None,
        actor="test",
    )  # Bruno's listing
    page_id = current_page(session=db.session, lead_id=lead.id).id
    lead_id = lead.id
    db.session.commit()
    jobs.send_page(page_id)
    assert acknowledge_page(session=db.session, page_id=page_id, now=utcnow(), by="sms")
    db.session.commit()
    sign_in(client, "alice")
    response = client.post(f"/me/leads/{lead_id}/outcome", data={"outcome": "no_answer"})
    assert response.status_code == 403
    assert client.get(f"/leads/{lead_id}").status_code == 403
