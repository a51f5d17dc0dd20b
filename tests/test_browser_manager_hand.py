"""Issue #15 item 4 in a real headless Chromium: the manager gives a lead that waits for
them to a salesperson from the board, on a phone (390x844) and a desktop (1366x800),
and nothing on the screen spills sideways. Screens go to artifacts/screenshots/.

The live server, the browser and the tab are tests/browser_session.py's (see
tests/test_browser.py for how the test thread and the server share the database).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads.service import current_page
from dispatcher.models import Lead, Salesperson
from dispatcher.office.current import only_office
from dispatcher.pages import service as pages
from tests.browser_session import screenshot, sign_in
from tests.factories import new_lead, page_out

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 800}}


def lead_waiting_for_the_manager() -> int:
    """A caller asked for Bruno, who did not answer: the lead waits for the manager; and
    a newer lead with its page out, below it on the board."""
    office = only_office()
    bruno = db.session.scalar(select(Salesperson).where(Salesperson.name == "Bruno Diaz"))
    then = utcnow() - timedelta(minutes=10)
    lead = new_lead(office, now=then, asked_for_id=bruno.id)
    page = page_out(current_page(session=db.session, lead_id=lead.id), then)
    pages.handle_deadline(
        session=db.session,
        page_id=page.id,
        now=page.deadline_at + timedelta(seconds=1),
        deadline_seconds=300,
    )
    new_lead(office, now=utcnow(), listing="L-1001", notes="Wants a garden")
    lead_id = lead.id
    db.session.commit()
    return lead_id


def assert_nothing_spills_sideways(tab) -> None:
    """The page does not scroll sideways, and every control of the actions is whole in
    view: within the screen and within its card (the board clips what scrolls inside it)."""
    width = tab.evaluate("document.documentElement.clientWidth")
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    controls = tab.locator(".hand-forms select, .hand-forms input[type=text], .hand-forms button")
    # Each control's box, and its card's inner edges (the card's box less its padding).
    for control, left, right in controls.evaluate_all(
        """cs => cs.map(c => {
            const card = c.closest('.card'), box = card.getBoundingClientRect();
            const pad = parseFloat(getComputedStyle(card).paddingLeft);
            return [c.getBoundingClientRect().toJSON(), box.left + pad, box.right - pad];
        })"""
    ):
        assert left <= control["left"] and control["right"] <= min(width, right), control


@pytest.mark.parametrize("size", SIZES)
def test_the_manager_assigns_a_waiting_lead_from_the_board(browser, live_server, size):
    context = browser.new_context(base_url=live_server, viewport=SIZES[size])
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        lead_id = lead_waiting_for_the_manager()
        sign_in(tab, "manager", lands_on="/")

        rows = tab.locator("#board tr[data-lead]")
        expect(rows.first).to_have_attribute("data-lead", str(lead_id))  # pinned on top
        actions = tab.locator(f"#board tr.hand[data-hand='{lead_id}']")
        expect(actions).to_contain_text("Assign and page")
        actions.scroll_into_view_if_needed()
        assert_nothing_spills_sideways(tab)
        screenshot(tab, f"manager-hand-waiting-{size}")

        actions.get_by_label(f"Give Ref {lead_id} to").select_option(label="Erin Walsh")
        # The board's refresh (every 3 s) must not wipe the choice while it is made.
        tab.wait_for_timeout(3_500)
        select = actions.get_by_label(f"Give Ref {lead_id} to")
        expect(select.locator("option:checked")).to_have_text("Erin Walsh")
        actions.get_by_role("button", name="Assign and page").click()

        expect(tab.locator(".flash.success")).to_have_text(
            f"Ref {lead_id} given to Erin Walsh: paged."
        )
        row = tab.locator(f"#board tr[data-lead='{lead_id}']")
        expect(row.locator(".who")).to_contain_text("Erin Walsh")
        expect(row).to_contain_text("Assigned by manager")
        expect(tab.locator(f"#board tr.hand[data-hand='{lead_id}']")).to_have_count(0)
        assert_nothing_spills_sideways(tab)
        screenshot(tab, f"manager-hand-assigned-{size}")

        tab.goto(f"/leads/{lead_id}")
        expect(tab.locator(".timeline")).to_contain_text("Given to Erin Walsh by hand")
        expect(tab.locator("#actions")).to_contain_text("Close Ref")
        tab.get_by_text("Correct the details").click()
        expect(tab.locator("#corrections").get_by_label("Phone")).to_have_value("+12025550188")
        assert_nothing_spills_sideways(tab)
        screenshot(tab, f"manager-hand-lead-page-{size}")
        db.session.rollback()
        assert db.session.get(Lead, lead_id).state == "open"
        db.session.rollback()
    finally:
        context.close()
