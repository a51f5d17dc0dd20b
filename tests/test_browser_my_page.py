"""Issue 15, item 10 in Chromium: the salesperson's page on a phone (390x844) and at a
desk (1366x800): OK and Pass on each open page, a new page appearing by itself, the
client's typed details once the lead is hers, and a report that wants a choice.

Fixtures and helpers: tests/browser_session.py; screenshots in artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.leads.service import LeadDetails, current_page
from dispatcher.leads.transactions import log_and_page
from dispatcher.models import Lead, Page, PageState
from tests.browser_session import expect, screenshot, sign_in
from workers import jobs

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
REFRESH_MS = 9_000  # the page asks for its part every 5 s


def page_alice(**typed) -> int:
    """A buyer asking about Alice's listing L-1001, paged and sent; the lead's id."""
    lead = log_and_page(
        LeadDetails(caller_phone="202-555-0188", kind="buyer", listing="L-1001", **typed),
        user_id=None,
        actor="test",
    )
    lead_id, page_id = lead.id, current_page(session=db.session, lead_id=lead.id).id
    db.session.rollback()
    assert jobs.send_page(page_id) == "sent"
    db.session.rollback()
    return lead_id


def page_state(lead_id: int) -> str:
    state = db.session.scalar(
        select(Page.state).where(Page.lead_id == lead_id).order_by(Page.id).limit(1)
    )
    db.session.rollback()
    return state


@pytest.fixture(params=["phone", "desk"])
def screen(request, browser, live_server):
    size = PHONE if request.param == "phone" else DESK
    context = browser.new_context(
        base_url=live_server, viewport=size, is_mobile=request.param == "phone"
    )
    context.set_default_timeout(10_000)
    yield request.param, size["width"], context.new_page()
    context.close()


def test_ok_on_her_page_shows_the_clients_details_and_a_report_wants_a_choice(screen):
    size, width, tab = screen
    first = page_alice(
        caller_name="Zebulon Quill",
        notes="Wants a garden, call after 5",
        area="10001",
        related_phone="202-555-0177",
        source="Yard sign",
    )
    sign_in(tab, "alice", lands_on="/me")
    tab.evaluate("window.__sameDocument = true")
    row = tab.locator(f".page-row[data-page='{first}']")
    expect(row.get_by_role("button", name="OK")).to_be_visible()
    expect(row.get_by_role("button", name="Pass")).to_be_visible()
    expect(tab.locator("#my-live")).not_to_contain_text("Zebulon")  # C4: not yet

    # A second page arrives while she looks: it appears without a reload.
    second = page_alice()
    expect(tab.locator(f".page-row[data-page='{second}']")).to_be_visible(timeout=REFRESH_MS)
    assert tab.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(tab, f"me-open-pages-{size}")

    row.get_by_role("button", name="OK").click()
    expect(tab.locator(".flash")).to_contain_text(f"Ref {first} is yours")
    assert page_state(first) == PageState.ACKNOWLEDGED
    lead = tab.locator(f".my-lead[data-lead='{first}']")
    for shown in ("Zebulon Quill", "Wants a garden, call after 5", "10001", "Yard sign"):
        expect(lead).to_contain_text(shown)
    expect(lead.locator("a[href='tel:+12025550177']")).to_be_visible()
    outcome = lead.get_by_label("What came of the call")
    expect(outcome).to_have_value("")
    lead.get_by_role("button", name="Report").click()  # no choice: the browser holds it
    assert outcome.evaluate("element => element.validity.valueMissing")
    expect(tab.locator(".flash")).to_contain_text(f"Ref {first} is yours")
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(tab, f"me-lead-taken-{size}")

    tab.locator(f".page-row[data-page='{second}']").get_by_role("button", name="Pass").click()
    expect(tab.locator(".flash")).to_contain_text(f"Ref {second} is passed on to a colleague")
    assert page_state(second) == PageState.DECLINED
    expect(tab.locator(f".page-row[data-page='{second}']")).to_have_count(0)

    outcome = tab.locator(f".my-lead[data-lead='{first}']").get_by_label("What came of the call")
    outcome.select_option("appointment_set")
    tab.get_by_role("button", name="Report").click()
    expect(tab.locator(".flash")).to_contain_text(f"Ref {first}: appointment set")
    assert db.session.get(Lead, first).outcome == "appointment_set"
    db.session.rollback()
    screenshot(tab, f"me-reported-{size}")


def test_a_chosen_outcome_survives_the_refresh(screen):
    size, _width, tab = screen
    lead_id = page_alice(caller_name="Zebulon Quill")
    sign_in(tab, "alice", lands_on="/me")
    tab.locator(f".page-row[data-page='{lead_id}']").get_by_role("button", name="OK").click()
    outcome = tab.locator(f".my-lead[data-lead='{lead_id}']").get_by_label("What came of the call")
    outcome.select_option("no_answer")
    tab.locator("h1").click()  # she looks away; the choice stays on the page
    page_alice()  # and a new page comes in meanwhile
    tab.wait_for_timeout(6_000)
    expect(outcome).to_have_value("no_answer")


def test_a_salesperson_opening_the_front_door_lands_on_her_page(screen):
    _size, _width, tab = screen
    sign_in(tab, "alice", lands_on="/me")
    response = tab.goto("/")
    assert response.status == 200
    expect(tab).to_have_url(re.compile(r"/me$"))
    expect(tab.get_by_role("heading", name="Alice Chen")).to_be_visible()
