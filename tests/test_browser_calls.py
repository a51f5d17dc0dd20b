"""Verified calls in Chromium: *Call the client* under a lead on the salesperson's page,
and *Put through* on a live call's row of the console (the development line: nothing
rings, the development phone shows what would have).

Fixtures and helpers: tests/browser_session.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import OutboxMessage
from tests.browser_session import expect, sign_in
from tests.calls_helpers import acknowledged_lead, live_call

pytestmark = pytest.mark.browser

ALICE = "+12025550101"
BRUNO = "+12025550102"


def shown_to(number: str) -> list[str]:
    bodies = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.to_number == number)
    ).all()
    db.session.rollback()
    return list(bodies)


def test_call_the_client_from_her_page(office, tab):
    paged = acknowledged_lead(office)
    sign_in(tab, "alice", lands_on="/me")
    lead = tab.locator(f".my-lead[data-lead='{paged.lead}']")
    expect(lead).to_contain_text("not yet")

    lead.get_by_role("button", name=f"Call the client of Ref {paged.lead}").click()

    expect(tab.locator("body")).to_contain_text("the office is calling you now")
    assert any("Call from the office" in body for body in shown_to(ALICE))


def test_put_through_on_the_live_calls_row(office, tab):
    stub = live_call(office, utcnow())
    sign_in(tab, "coordinator", lands_on="/")
    row = tab.locator(f"tr[data-stub='{stub}']")
    expect(row).to_contain_text("on the line")

    row.get_by_label(f"Put Ref {stub} through to").select_option(label="Bruno Diaz")
    row.get_by_role("button", name="Put through").click()

    expect(tab.locator("body")).to_contain_text("putting the caller through to Bruno Diaz")
    assert any("put through to you" in body for body in shown_to(BRUNO))
