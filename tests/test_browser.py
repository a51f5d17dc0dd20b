"""The pages in a real headless Chromium (Playwright), against the test app served live.

The app is the test ``app`` (outbox SMS, SQLite or PostgreSQL per TEST_DATABASE_URL),
served by werkzeug in a background thread; no RQ worker runs, so a page goes out only
when a test calls ``workers.jobs.send_page`` itself. CSRF protection is on, as in
production, so the forms are tested with their real tokens.

On SQLite every transaction holds the write lock (BEGIN IMMEDIATE), so the test thread
ends each of its transactions (commit or rollback) before the browser makes a request.

Chromium is Debian's (/usr/bin/chromium; `.ci/run` installs it; the fixture is in
tests/browser_session.py). Without it these tests
are skipped on a developer's machine and fail under CI. Each screen is saved to
artifacts/screenshots/<name>.png.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.leads.service import LeadDetails, current_page
from dispatcher.leads.transactions import log_and_page
from dispatcher.models import Lead, Page, Salesperson
from dispatcher.office.current import only_office
from tests.browser_session import screenshot, sign_in
from workers import jobs

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PASSWORD = "demo-password"
COUNTDOWN = re.compile(r"^\d+:\d{2} left$")
# The board polls /board every 3 s: a change shows within one poll and a margin.
ONE_POLL_MS = 7_000
PHONE_VIEWPORT = {"width": 390, "height": 844}


# --- fixtures (the live server and the tab are in tests/browser_session.py) ----------


@pytest.fixture
def short_deadline(settings):
    """Pages that must be acknowledged within 4 seconds (ask for it before live_server)."""
    settings["ACK_DEADLINE_SECONDS"] = 4
    return 4


# --- helpers --------------------------------------------------------------------------


def board_rows(tab):
    return tab.locator("#board tr[data-lead]")


def mark_document(tab) -> None:
    """Tag the loaded document: the tag survives updates in place, not a reload."""
    tab.evaluate("window.__sameDocument = true")


def assert_not_reloaded(tab) -> None:
    assert tab.evaluate("window.__sameDocument === true"), "the page was reloaded"


def seconds_left(countdown_text: str) -> int:
    minutes, seconds = countdown_text.removesuffix(" left").split(":")
    return int(minutes) * 60 + int(seconds)


def lead_count() -> int:
    count = db.session.scalar(select(func.count(Lead.id)))
    db.session.rollback()
    return count


def only_lead_and_page() -> tuple[int, int]:
    lead_id = db.session.scalar(select(Lead.id))
    page_id = db.session.scalar(select(Page.id).where(Page.lead_id == lead_id))
    db.session.rollback()
    return lead_id, page_id


def salesperson_id(name: str) -> int:
    person_id = db.session.scalar(select(Salesperson.id).where(Salesperson.name == name))
    db.session.rollback()
    return person_id


def send_page(page_id: int) -> None:
    """What the worker does, run here: the page goes out through the outbox."""
    db.session.rollback()
    assert jobs.send_page(page_id) == "sent"
    db.session.rollback()


def log_call_for_alice() -> tuple[int, int]:
    """A call about Alice's listing, logged and paged without the browser."""
    lead = log_and_page(
        LeadDetails(caller_phone="202-555-0188", kind="buyer", listing="L-1001"),
        user_id=None,
        actor="test",
    )
    lead_id, page_id = lead.id, current_page(session=db.session, lead_id=lead.id).id
    db.session.rollback()
    send_page(page_id)
    return lead_id, page_id


# --- tests ----------------------------------------------------------------------------


def test_the_coordinator_logs_a_call_from_the_keyboard(tab):
    tab.goto("/")
    expect(tab).to_have_url(re.compile(r"/sign-in"))
    expect(tab.get_by_label("User name")).to_be_focused()
    screenshot(tab, "sign-in")
    sign_in(tab, "coordinator", lands_on="/")

    # The cursor waits in the phone field: the coordinator types straight away.
    expect(tab.locator("#caller_phone")).to_be_focused()
    expect(tab.locator("#board")).to_contain_text("No open leads.")
    screenshot(tab, "console-empty")
    tab.keyboard.type("202-555-0188")
    tab.locator("#kind").select_option("buyer")
    tab.locator("#listing").fill("L-1001")
    tab.keyboard.press("Control+Enter")

    expect(tab.locator(".flash")).to_contain_text("Paging Alice Chen: Listing agent of 12 Elm St")
    expect(board_rows(tab)).to_have_count(1)
    row = board_rows(tab).first
    expect(row.locator(".who")).to_contain_text("Alice Chen")
    countdown = row.locator(".countdown")
    expect(countdown).to_have_text(COUNTDOWN)
    first = countdown.inner_text()
    assert 290 <= seconds_left(first) <= 300, first
    # The form is empty again, the cursor back in the phone field for the next call.
    expect(tab.locator("#caller_phone")).to_have_value("")
    expect(tab.locator("#caller_phone")).to_be_focused()
    screenshot(tab, "console-call-logged")

    expect(countdown).not_to_have_text(first, timeout=3_000)
    expect(countdown).to_have_text(COUNTDOWN)
    assert seconds_left(countdown.inner_text()) < seconds_left(first)
    assert lead_count() == 1


def test_the_board_follows_the_page_and_the_acknowledgement_without_a_reload(context, tab):
    sign_in(tab, "coordinator", lands_on="/")
    tab.locator("#caller_phone").fill("202-555-0188")
    tab.locator("#kind").select_option("buyer")
    tab.locator("#listing").fill("L-1001")
    tab.get_by_role("button", name="Save and page").click()
    expect(tab.locator(".flash")).to_contain_text("Paging Alice Chen")
    page_cell = board_rows(tab).first.locator("td").nth(4)
    expect(page_cell).to_have_text("queued")
    mark_document(tab)

    lead_id, page_id = only_lead_and_page()
    send_page(page_id)
    expect(page_cell).to_have_text("delivered", timeout=ONE_POLL_MS)
    assert_not_reloaded(tab)
    screenshot(tab, "console-page-delivered")

    # Alice's phone (the development phone) got the page; she replies OK.
    phone = context.new_page()
    phone.goto(f"/dev/phone/{salesperson_id('Alice Chen')}")
    messages = phone.locator(".messages")
    expect(messages).to_contain_text(f"Client call, please call the office. Ref {lead_id}.")
    expect(messages).not_to_contain_text("202")  # never the client's number (C4)
    screenshot(phone, "devphone-page")
    reply = phone.get_by_label("Reply")
    expect(reply).to_be_focused()
    reply.fill("OK")
    phone.get_by_role("button", name="Send").click()
    expect(phone.locator(".flash")).to_contain_text(f"Ref {lead_id} is yours")
    expect(messages.locator("li.mine")).to_have_text(re.compile(r"OK$"))
    expect(messages.locator("li.theirs").last).to_contain_text("is yours")
    screenshot(phone, "devphone-replied")

    # Back on the console: the lead leaves the open board at the next poll.
    tab.bring_to_front()
    expect(board_rows(tab)).to_have_count(0, timeout=ONE_POLL_MS)
    expect(tab.locator("#board")).to_contain_text("No open leads.")
    assert_not_reloaded(tab)
    screenshot(tab, "console-acknowledged")


def test_a_bad_phone_number_is_shown_at_the_field_and_nothing_is_lost(tab):
    sign_in(tab, "coordinator", lands_on="/")
    typed = {
        "#caller_phone": "555-01",
        "#caller_name": "Zebulon Quill",
        "#source": "Yard sign",
        "#listing": "L-1001",
        "#notes": "Wants a garden",
    }
    chosen = {"#kind": "seller", "#channel": "walk_in"}
    for selector, value in typed.items():
        tab.locator(selector).fill(value)
    for selector, value in chosen.items():
        tab.locator(selector).select_option(value)
    tab.get_by_role("button", name="Save and page").click()

    expect(tab.get_by_role("alert")).to_contain_text("Nothing was saved")
    phone = tab.locator("#caller_phone")
    # The message sits in the phone field's own label, right under the field.
    error = tab.locator("label", has=phone).locator(".error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("valid phone number")
    expect(tab.locator("#lead-form .error")).to_have_count(1)  # only the phone is wrong
    # The field is marked invalid and points at its message (for screen readers too),
    # and the cursor is back in it.
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_attribute("aria-describedby", "caller_phone-error")
    expect(phone).to_be_focused()
    # Everything typed is still there.
    for selector, value in {**typed, **chosen}.items():
        expect(tab.locator(selector)).to_have_value(value)
    expect(tab.locator("#board")).to_contain_text("No open leads.")
    screenshot(tab, "console-bad-phone")
    assert lead_count() == 0


def test_the_salesperson_sees_her_open_page_on_her_phone(browser, live_server):
    lead_id, _ = log_call_for_alice()
    phone = browser.new_context(
        base_url=live_server, viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True
    )
    try:
        tab = phone.new_page()
        sign_in(tab, "alice", lands_on="/me")
        expect(tab.get_by_role("heading", name="Alice Chen")).to_be_visible()
        row = tab.locator(".page-row")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(f"Ref {lead_id}")
        expect(row).to_contain_text("reply OK")
        expect(row).not_to_contain_text("555-0188")  # the client's details come by phone
        expect(row.locator(".countdown")).to_have_text(COUNTDOWN)
        expect(tab.locator(".notices")).to_contain_text("No notices.")
        # Nothing wider than the phone: no sideways scrolling.
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
        screenshot(tab, "me-phone")

        # After acknowledging, the caller's details are on her page; she reports the outcome.
        from dispatcher.clock import utcnow
        from dispatcher.pages.service import acknowledge_page

        page_id = current_page(session=db.session, lead_id=lead_id).id
        assert acknowledge_page(session=db.session, page_id=page_id, now=utcnow(), by="sms")
        db.session.commit()
        tab.reload()
        taken = tab.locator(f".my-lead[data-lead='{lead_id}']")
        expect(taken).to_contain_text("+12025550188")
        taken.get_by_label("What came of the call").select_option("appointment_set")
        taken.get_by_role("button", name="Report").click()
        expect(tab.locator(".flash")).to_contain_text("appointment set")
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
        screenshot(tab, "me-phone-lead-taken")
    finally:
        phone.close()


def test_the_countdown_shows_the_deadline_passing_without_a_reload(short_deadline, tab, app):
    assert app.config["ACK_DEADLINE_SECONDS"] == short_deadline
    sign_in(tab, "coordinator", lands_on="/")
    tab.locator("#caller_phone").fill("202-555-0188")
    tab.locator("#kind").select_option("renter")
    tab.get_by_role("button", name="Save and page").click()
    expect(tab.locator(".flash")).to_contain_text("Paging")
    mark_document(tab)

    countdown = board_rows(tab).first.locator(".countdown")
    expect(countdown).to_have_text(COUNTDOWN)
    assert seconds_left(countdown.inner_text()) <= short_deadline
    expect(countdown).to_have_text("deadline passed", timeout=(short_deadline + 3) * 1000)
    expect(countdown).to_have_class(re.compile(r"\blate\b"))
    assert_not_reloaded(tab)
    screenshot(tab, "console-deadline-passed")


def test_every_other_screen_renders(context, tab, browser, live_server):
    """The manager's screens, the lead's timeline and the dev phone list, at desktop and
    phone width: each renders, and none scrolls sideways on a phone."""
    lead_id, _ = log_call_for_alice()
    alice = salesperson_id("Alice Chen")
    screens = {
        "salespeople": "/manager/salespeople",
        "salesperson-edit": f"/manager/salespeople/{alice}",
        "lead": f"/leads/{lead_id}",
        "devphone-index": "/dev/phone/",
        "console": "/",
    }
    sign_in(tab, "manager", lands_on="/")
    for name, url in screens.items():
        response = tab.goto(url)
        assert response.status == 200, url
        screenshot(tab, name)
    expect(tab.locator(".countdown")).to_have_text(COUNTDOWN)

    phone = browser.new_context(base_url=live_server, viewport=PHONE_VIEWPORT, is_mobile=True)
    try:
        small = phone.new_page()
        sign_in(small, "manager", lands_on="/")
        for name, url in screens.items():
            small.goto(url)
            width = small.evaluate("document.documentElement.scrollWidth")
            screenshot(small, f"{name}-phone")
            assert width <= PHONE_VIEWPORT["width"], f"{url} is {width}px wide on a phone"
    finally:
        phone.close()


def test_typing_a_known_clients_number_shows_their_owner(tab):
    from tests.factories import acknowledged, new_lead

    office = only_office()
    acknowledged(new_lead(office, caller_phone="202-555-0171", listing="L-1002"))
    db.session.commit()
    sign_in(tab, "coordinator", lands_on="/")
    tab.locator("#caller_phone").type("202 555 0171")
    expect(tab.locator("#caller-info")).to_contain_text("Known client of Bruno Diaz")
    screenshot(tab, "console-known-caller")
    tab.locator("#caller_phone").fill("")
    tab.locator("#caller_phone").type("202 555 0199")
    expect(tab.locator("#caller-info")).to_have_text("New caller")
    db.session.rollback()


def test_the_managers_dashboard_shows_the_logged_numbers(tab):
    from datetime import timedelta

    from dispatcher.clock import utcnow
    from dispatcher.pages import service as page_service
    from tests.factories import new_lead, page_out

    office = only_office()
    start = utcnow() - timedelta(hours=1)
    alice = salesperson_id("Alice Chen")
    for taken in (True, False):
        lead = new_lead(office, listing="L-1001", now=start)  # Alice's listing
        page = page_out(current_page(session=db.session, lead_id=lead.id), start)
        if taken:  # acknowledged 90 s after the page
            page_service.acknowledge_page(
                session=db.session, page_id=page.id, now=start + timedelta(seconds=90), by="sms"
            )
        else:
            page_service.handle_deadline(
                session=db.session,
                page_id=page.id,
                now=start + timedelta(seconds=301),
                deadline_seconds=300,
            )
    db.session.commit()

    sign_in(tab, "manager", lands_on="/")
    tab.goto("/manager/dashboard")
    row = tab.locator(f"table[data-table='salespeople'] tr[data-salesperson='{alice}']")
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text("2")  # paged
    expect(cells.nth(2)).to_have_text("1")  # acknowledged
    expect(cells.nth(3)).to_have_text("1")  # missed
    expect(cells.nth(8)).to_have_text("1 min 30 s")  # page -> ack median
    expect(tab.locator("[data-chart='hours'] svg")).to_have_count(1)
    screenshot(tab, "dashboard")
    db.session.rollback()


def test_a_reassignment_appears_on_the_board_without_a_reload(short_deadline, tab, monkeypatch):
    lead_id, page_id = log_call_for_alice()  # paged, with the short deadline
    sign_in(tab, "coordinator", lands_on="/")
    mark_document(tab)
    row = tab.locator(f"#board tr[data-lead='{lead_id}']")
    expect(row.locator(".who")).to_contain_text("Alice Chen")
    expect(row.locator(".countdown")).to_have_text(
        "deadline passed", timeout=(short_deadline + 3) * 1000
    )
    # What the deadline job does when nobody called back, run here, at a moment past the
    # deadline: the countdown rounds to the second, so it says "passed" up to half a
    # second before the job's own clock would.
    deadline = db.session.get(Page, page_id).deadline_at
    db.session.rollback()
    monkeypatch.setattr("workers.jobs.utcnow", lambda: deadline + timedelta(seconds=1))
    assert jobs.check_deadline(page_id) == "reassigned"
    db.session.rollback()
    expect(row.locator(".who")).to_contain_text("Bruno Diaz", timeout=7_000)
    expect(row.locator(".who")).to_contain_text("reassigned 1×")
    assert_not_reloaded(tab)
    screenshot(tab, "console-reassigned")
