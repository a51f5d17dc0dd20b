"""Issue 17 in Chromium: the manager builds the roster on the Roster screen (the weekend's
alternating 3-hour shifts, a cover, the coordinator's hours), and a salesperson on a
phone (390x844) says where they are and asks a colleague to swap a shift.

Fixtures and helpers: tests/browser_session.py; screenshots in artifacts/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import DutyCover, DutyShift, OfficeHours, Salesperson, ShiftSwap
from dispatcher.office import roster_edits
from dispatcher.office.schedule import office_today
from tests.browser_session import expect, screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def rows(model) -> list:
    found = list(db.session.scalars(select(model)))
    db.session.rollback()
    return found


def test_the_manager_builds_the_roster_on_the_roster_screen(tab, office):
    today = office_today(office, utcnow())
    db.session.rollback()  # the live server writes: this session holds no lock meanwhile
    sign_in(tab, "manager", lands_on="/")
    tab.get_by_role("link", name="Roster").click()
    expect(tab.locator("h1")).to_contain_text("Roster")
    expect(tab.locator("[data-duty-now]")).to_contain_text("The coordinator is in")

    weekend = tab.locator("#weekend-form")
    weekend.locator("select[name=first]").select_option(label="Erin Walsh")
    weekend.locator("select[name=second]").select_option(label="David Park")
    weekend.get_by_role("button", name="Add the weekend shifts").click()
    expect(tab.locator(".flash")).to_contain_text("Saved.")
    expect(tab.locator("#shifts tbody tr")).to_have_count(6)
    expect(tab.locator("#shifts")).to_contain_text("Saturdays 09:00-12:00")
    expect(tab.locator("#coming")).to_contain_text("Erin Walsh")

    cover = tab.locator("#cover-form")
    cover.locator("select[name=salesperson]").select_option(label="Bruno Diaz")
    cover.locator("select[name=covers]").select_option(label="Erin Walsh")
    cover.locator("input[name=first_day]").fill(today.isoformat())
    cover.locator("input[name=last_day]").fill((today + timedelta(days=13)).isoformat())
    cover.get_by_role("button", name="Add the cover").click()
    expect(tab.locator("#covers")).to_contain_text("Bruno Diaz covers Erin Walsh")
    expect(tab.locator("#coming")).to_contain_text("Bruno Diaz (for Erin Walsh)")

    hours = tab.locator("#hours-form")
    hours.get_by_label("Sunday opens").fill("")
    hours.get_by_label("Sunday closes").fill("")
    hours.get_by_label("Monday opens").fill("8:0")  # not a time: nothing is saved
    hours.get_by_role("button", name="Save the hours").click()
    expect(tab.locator(".flash.error")).to_contain_text("Nothing was changed")
    tab.locator("#hours-form").get_by_label("Monday opens").fill("08:00")
    tab.locator("#hours-form").get_by_label("Sunday opens").fill("")
    tab.locator("#hours-form").get_by_label("Sunday closes").fill("")
    tab.locator("#hours-form").get_by_role("button", name="Save the hours").click()
    expect(tab.locator("#hours-form").get_by_label("Sunday opens")).to_have_value("")
    screenshot(tab, "roster-manager")

    assert len(rows(DutyShift)) == 6 and len(rows(DutyCover)) == 1
    sunday = [row for row in rows(OfficeHours) if row.weekday == 6]
    assert [(row.opens, row.closes) for row in sunday] == [(None, None)]


def test_a_salesperson_on_a_phone_says_where_they_are_and_asks_a_swap(browser, live_server, office):
    alice = db.session.scalar(select(Salesperson).where(Salesperson.name == "Alice Chen"))
    day = office_today(office, utcnow()) + timedelta(days=3)
    roster_edits.add_shift(
        session=db.session,
        office=office,
        salesperson_id=alice.id,
        weekday=day.weekday(),
        starts="18:00",
        ends="21:00",
        first_day=day,
        last_day=None,
        every_weeks=1,
        actor="manager",
        now=utcnow(),
    )
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    sign_in(tab, "alice", lands_on="/me")

    where = tab.locator("#where-i-am")
    where.get_by_role("button", name="Busy").click()
    expect(tab.locator(".flash")).to_contain_text("You are busy")
    expect(tab.locator("[data-my-status]")).to_have_text("busy")
    tab.locator("#where-i-am").get_by_role("button", name="Back").click()
    expect(tab.locator("[data-my-status]")).to_have_text("in office")

    mine = tab.locator("#my-duty")
    expect(mine).to_contain_text(f"{day:%a %d %b} 18:00-21:00")
    mine.get_by_label("Colleague to ask").first.select_option(label="Bruno Diaz")
    mine.get_by_role("button", name="Ask to swap").first.click()
    expect(tab.locator(".flash")).to_contain_text("Bruno Diaz is asked by SMS")
    expect(tab.locator("#my-duty")).to_contain_text("asked Bruno Diaz: waiting")
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a 390px phone"
    screenshot(tab, "roster-salesperson-phone")
    context.close()

    [swap] = rows(ShiftSwap)
    assert (swap.state, swap.day) == ("asked", day)
