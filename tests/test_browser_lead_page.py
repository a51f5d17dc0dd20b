"""Issue 15, item 9 in Chromium: the lead's page at a desk (1366x800) and on a phone
(390x844) shows what was typed, who was chosen and why, and the timeline, in words.

Fixtures and helpers: tests/browser_session.py; screenshots in artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads.call_candidates import DETAILS_HEARD
from dispatcher.leads.timeline import record_event
from dispatcher.office.current import only_office
from dispatcher.pages import service as pages
from tests.browser_session import expect, screenshot, sign_in
from tests.factories import new_lead

pytestmark = pytest.mark.browser

SIZES = {"desk": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # walk_in, listing_agent, details_by_call


def a_walk_in_heard_by_call() -> int:
    lead = new_lead(
        only_office(),
        now=utcnow(),
        channel="walk_in",
        caller_name="Zebulon Quill",
        source="Yard sign",
        listing="L-1001",
        area="10001",
        related_phone="202-555-0177",
        notes="Wants a garden.\nCall after 5.",
    )
    page = lead.assignments[-1].page
    pages.acknowledge_page(session=db.session, page_id=page.id, now=utcnow(), by="sms")
    record_event(
        session=db.session,
        lead_id=lead.id,
        kind=DETAILS_HEARD,
        at=utcnow(),
        page_id=page.id,
        detail="Alice Chen called the office and heard the client's details",
        actor="Alice Chen",
    )
    db.session.commit()
    lead_id = lead.id
    db.session.rollback()
    return lead_id


@pytest.mark.parametrize("size", SIZES)
def test_the_lead_page_says_everything_typed_and_the_routing_in_words(size, browser, live_server):
    lead_id = a_walk_in_heard_by_call()
    context = browser.new_context(
        base_url=live_server, viewport=SIZES[size], is_mobile=size == "phone"
    )
    try:
        tab = context.new_page()
        sign_in(tab, "coordinator", lands_on="/")
        tab.goto(f"/leads/{lead_id}")
        facts = tab.locator("dl.facts")
        for label, value in {
            "Came by": "Walk-in",
            "What brought them": "Yard sign",
            "Listing": "L-1001, 12 Elm St",
            "Area": "10001",
            "Family member's phone": "+12025550177",
            "Notes": "Call after 5.",
        }.items():
            expect(facts.locator("dt", has_text=label).locator("+ dd")).to_contain_text(value)
        expect(tab.locator(".decisions")).to_contain_text("rule: Listing agent")
        expect(tab.locator(".decisions")).to_contain_text("the same choice")
        expect(tab.locator(".timeline")).to_contain_text("Details given by call")
        shown = tab.locator("main").inner_text()
        assert not CODE.search(shown), CODE.search(shown)
        width = SIZES[size]["width"]
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(tab, f"lead-page-{size}")
    finally:
        context.close()
