"""Issue 15, item 6 in Chromium: the coordinator's console at a desk (1366x800) and on a
phone (390x844): today's leads found by phone, name or ref without the number leaving
the page, a known caller's name filled in, where each salesperson is, placeholders that
fit their boxes, and nothing wider than the screen.

The browser fixtures and helpers are in tests/browser_session.py; screenshots go to
artifacts/screenshots/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads.stubs import log_call_stub
from dispatcher.office.current import only_office
from dispatcher.pages import service as pages
from tests.browser_session import SCREENSHOTS, expect, screenshot, sign_in
from tests.factories import new_lead, person

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
ONE_POLL_MS = 7_000

# Each placeholder's text against the room inside its box, measured with the box's font.
PLACEHOLDER_ROOM = """() => Array.from(document.querySelectorAll('[placeholder]'))
  .filter((el) => el.offsetParent !== null)
  .map((el) => {
    const style = getComputedStyle(el);
    const pen = document.createElement('canvas').getContext('2d');
    pen.font = style.font;
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const text = Math.ceil(pen.measureText(el.placeholder).width);
    return {id: el.id, text: text, room: Math.floor(el.clientWidth - padding)};
  })"""
# Whether a part of the page holds more than it shows (it would scroll sideways).
WIDER_THAN_SHOWN = """(selector) => {
  const part = document.querySelector(selector);
  return [part.scrollWidth, part.clientWidth];
}"""


def a_day_of_leads():
    """Today's leads in several states, and one from last week (not listed)."""
    office = only_office()
    now = utcnow()
    new_lead(
        office, now=now - timedelta(days=7), caller_name="Old Timer", caller_phone="202-555-0100"
    )
    taken = new_lead(
        office,
        now=now - timedelta(minutes=40),
        caller_name="Zebulon Quill",
        caller_title="Mr",  # O2: with a title, the registration gives Bruno the client
        caller_phone="202-555-0171",
        listing="L-1002",
    )
    pages.acknowledge_page(
        session=db.session, page_id=taken.assignments[-1].page.id, now=now, by="sms"
    )
    walk_in = new_lead(
        office,
        now=now - timedelta(minutes=10),
        caller_name="Maria Santos",
        caller_phone="202-555-0172",
        channel="walk_in",
        kind="seller",
    )
    stub = log_call_stub(
        session=db.session, office_id=office.id, phone="+12025550173", now=now, detail="call"
    )
    person("Bruno Diaz").status = "off_shift"
    person("Erin Walsh").status = "busy"
    db.session.commit()
    ids = taken.id, walk_in.id, stub.id
    db.session.rollback()
    return ids


def today_rows(tab):
    return tab.locator("#today tr[data-today]:visible")


@pytest.fixture
def desk(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport=DESK)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_todays_leads_are_found_by_phone_name_or_ref_within_the_page(desk):
    taken, walk_in, stub = a_day_of_leads()
    sign_in(desk, "coordinator", lands_on="/")
    requests = []
    desk.on("request", lambda request: requests.append(request.url))

    expect(today_rows(desk)).to_have_count(3)
    row = desk.locator(f"#today tr[data-today='{taken}']")
    expect(row).to_contain_text("Zebulon Quill")
    expect(row).to_contain_text("+12025550171")
    expect(row).to_contain_text("Bruno Diaz")
    expect(row).to_contain_text("taken")
    expect(desk.locator(f"#today tr[data-today='{walk_in}']")).to_contain_text("walk-in")
    expect(desk.locator(f"#today tr[data-today='{stub}']")).to_contain_text("to complete")
    expect(desk.locator("#today")).not_to_contain_text("Old Timer")
    screenshot(desk, "console-today-desk")

    search = desk.locator("#today-search")
    search.fill("555-0172")
    expect(today_rows(desk)).to_have_count(1)
    expect(today_rows(desk)).to_contain_text("Maria Santos")
    screenshot(desk, "console-today-found-by-phone")
    search.fill("zebulon")
    expect(today_rows(desk)).to_have_count(1)
    expect(today_rows(desk)).to_contain_text("Zebulon Quill")
    search.fill(f"Ref {stub}")
    expect(today_rows(desk)).to_have_count(1)
    expect(today_rows(desk)).to_contain_text("+12025550173")
    # A ref asked for as one is that ref alone, not every number with its digits.
    search.fill("Ref 555")
    expect(today_rows(desk)).to_have_count(0)
    search.fill("nobody like this")
    expect(today_rows(desk)).to_have_count(0)
    expect(desk.locator("#today-none")).to_be_visible()
    # The list refreshes by itself and the search still holds.
    desk.wait_for_timeout(3_500)
    expect(today_rows(desk)).to_have_count(0)
    search.fill("")
    expect(today_rows(desk)).to_have_count(3)
    # Nothing typed in the search went anywhere: no request carried it.
    typed = ("555-0172", "5550172", "zebulon", "nobody")
    assert not [url for url in requests if any(word in url.lower() for word in typed)]


def test_a_known_callers_name_is_filled_in_and_statuses_are_in_words(desk):
    a_day_of_leads()
    sign_in(desk, "coordinator", lands_on="/")
    name = desk.locator("#caller_name")

    desk.locator("#caller_phone").type("202 555 0171")
    expect(name).to_have_value("Zebulon Quill")
    expect(desk.locator("#caller-info")).to_contain_text("Known client of Bruno Diaz")
    # Another number: the name filled in for the first goes; a typed name stays.
    desk.locator("#caller_phone").fill("")
    desk.locator("#caller_phone").type("202 555 0199")
    expect(desk.locator("#caller-info")).to_have_text("New caller")
    expect(name).to_have_value("")
    name.fill("Typed By Hand")
    desk.locator("#caller_phone").fill("")
    desk.locator("#caller_phone").type("202 555 0172")
    expect(desk.locator("#caller-info")).to_contain_text("Called before")
    expect(name).to_have_value("Typed By Hand")

    options = desk.locator("#asked_for option")
    expect(options.filter(has_text="Bruno Diaz")).to_have_text("Bruno Diaz (off shift)")
    expect(options.filter(has_text="Erin Walsh")).to_have_text("Erin Walsh (busy)")
    expect(options.filter(has_text="Alice Chen")).to_have_text("Alice Chen (in office)")
    screenshot(desk, "console-known-caller-named")


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_console_fits_its_screen_and_its_placeholders_fit_their_boxes(size, request):
    tab = request.getfixturevalue(size)
    width = (DESK if size == "desk" else PHONE)["width"]
    a_day_of_leads()
    sign_in(tab, "coordinator", lands_on="/")
    tab.locator("#caller_phone").fill("202-555-0188")
    tab.locator("#kind").select_option("buyer")
    tab.locator("#listing").fill("L-1001")
    tab.get_by_role("button", name="Save and page").click()
    expect(tab.locator(".flash").first).to_contain_text("Paging Alice Chen")
    expect(tab.locator("#board tr[data-lead]")).to_have_count(3)  # last week's still open

    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    for part in ("#board", "#board table", "#today", "#today table"):
        inner, room = tab.evaluate(WIDER_THAN_SHOWN, part)
        assert inner <= room, f"{part} is {inner}px wide in {room}px at {width}px"
    cramped = [box for box in tab.evaluate(PLACEHOLDER_ROOM) if box["text"] > box["room"]]
    assert not cramped, cramped
    screenshot(tab, f"console-{size}")
    tab.locator(".console-side").screenshot(path=str(SCREENSHOTS / f"console-{size}-lists.png"))
    tab.locator("#today-card").scroll_into_view_if_needed()
    expect(tab.locator("#today tr[data-today]")).to_have_count(4, timeout=ONE_POLL_MS)
    assert re.search(r"Paging", tab.locator(".flash").first.inner_text())
