"""Calls logged from their caller ID (stubs) on the coordinator's console: at the top of
the board, completed into a lead that is routed and paged, or closed as no client; and
the development phone's "Call the office", through the same voice webhook."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import InboundCall, Lead, OutboxMessage, Page
from dispatcher.queue import queue
from tests.app_setup import sign_in
from tests.factories import T0, new_lead, paged_lead, person
from tests.webhook_helpers import (
    COORDINATOR,
    STRANGER,
    count,
    ring,
    state,
    stubs,
)

MONDAY_10AM = T0  # 15:00 UTC is 10:00 in New York


pytestmark = [pytest.mark.twilio, pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR)]


# -- completing a stub on the console ----------------------------------------------------


def board(client) -> str:
    return unescape(client.get("/board").get_data(as_text=True))


def test_stubs_wait_at_the_top_of_the_board(client, office, clock):

    new_lead(office)
    db.session.commit()
    ring(client)
    [stub] = stubs()

    html = board(sign_in(client, "coordinator"))

    assert html.index(f'data-stub="{stub.id}"') < html.index('data-lead="')
    row = re.search(rf'<tr data-stub="{stub.id}".*?</tr>', html, re.S).group(0)
    assert STRANGER in row and "Complete" in row and "Not a client" in row


def test_completing_a_stub_routes_and_pages_it_as_any_lead(client, office, clock):
    ring(client)
    [stub] = stubs()
    coordinator = sign_in(client, "coordinator")

    form = unescape(coordinator.get(f"/leads/{stub.id}/complete").get_data(as_text=True))
    assert f"Complete call Ref {stub.id}" in form
    assert f'value="{STRANGER}"' in form  # prefilled from the caller ID

    response = coordinator.post(
        f"/leads/{stub.id}/complete",
        data={"caller_phone": STRANGER, "caller_name": "Mr Quill", "kind": "seller"},
    )

    assert response.status_code == 302
    db.session.expire_all()
    lead = db.session.get(Lead, stub.id)
    assert (lead.state, lead.kind, lead.caller_name) == ("open", "seller", "Mr Quill")
    assert lead.created_at == MONDAY_10AM  # the time of the call
    [page] = lead.assignments[-1:]
    assert page.salesperson.name == "Alice Chen"  # seller specialist, first in rotation
    sent = db.session.scalar(select(Page).where(Page.lead_id == lead.id))
    assert queue().get_job_ids() == [f"send-{sent.id}-0"]
    assert [e.kind for e in lead.events][:3] == ["logged", "completed", "routed"]
    assert f'data-stub="{stub.id}"' not in board(coordinator)

    again = coordinator.post(
        f"/leads/{stub.id}/complete",
        data={"caller_phone": STRANGER, "kind": "buyer"},
        follow_redirects=True,
    )
    assert "already completed or closed" in unescape(again.get_data(as_text=True))
    assert len(db.session.get(Lead, stub.id).assignments) == 1


def test_a_stub_completed_with_bad_details_stays_a_stub(client, office, clock):
    ring(client)
    [stub] = stubs()
    coordinator = sign_in(client, "coordinator")

    response = coordinator.post(
        f"/leads/{stub.id}/complete", data={"caller_phone": "12", "kind": "buyer"}
    )

    assert response.status_code == 400
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert [s.id for s in stubs()] == [stub.id] and count(Page) == 0


def test_a_stub_that_was_no_client_is_closed_and_kept(client, office, clock):
    ring(client)
    [stub] = stubs()
    coordinator = sign_in(client, "coordinator")

    coordinator.post(f"/leads/{stub.id}/not-a-client")

    db.session.expire_all()
    lead = db.session.get(Lead, stub.id)
    assert lead.state == "not_a_client" and lead.events[-1].kind == "closed"
    assert f'data-stub="{stub.id}"' not in board(coordinator)
    assert count(Page) == 0


# -- the development phone ---------------------------------------------------------------


@pytest.mark.parametrize("settings", [{"outbox": True}], indirect=True)
def test_the_development_phone_calls_the_office_through_the_same_webhook(
    coordinator, office, clock
):
    paged = paged_lead(office)
    alice = person("Alice Chen")

    response = coordinator.post(f"/dev/phone/{alice.id}/call", follow_redirects=True)

    html = unescape(response.get_data(as_text=True))
    assert f"The office says: “Hello Alice Chen.” The office says: “Reference {paged.lead}" in html
    assert f"Then {COORDINATOR} rings." in html
    assert state(paged) == ("acknowledged", "acknowledged")
    assert db.session.scalar(select(InboundCall)).salesperson_id == alice.id
    assert count(OutboxMessage) == 1  # the page; a call sends no SMS


@pytest.mark.parametrize("settings", [{"outbox": True}], indirect=True)
def test_the_development_phone_can_call_as_a_client(coordinator, office, clock):
    response = coordinator.post(
        "/dev/phone/call", data={"from_number": STRANGER}, follow_redirects=True
    )

    assert f"Then {COORDINATOR} rings." in unescape(response.get_data(as_text=True))
    [stub] = stubs()
    assert stub.caller_phone == STRANGER
