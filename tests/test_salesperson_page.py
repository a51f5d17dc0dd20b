"""The salesperson's own page: open pages, and the notice after a missed page (C6)."""

from datetime import timedelta

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.intake import log_and_page
from dispatcher.services.leads import LeadDetails, current_page
from tests.conftest import sign_in
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
    assert "the client was given to someone else" in mine


def test_only_salespeople_have_a_page(client, office):
    sign_in(client, "coordinator")
    assert client.get("/me").status_code == 403
