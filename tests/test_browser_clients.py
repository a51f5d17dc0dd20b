"""The client screens in a real headless Chromium: the manager decides a dispute at a
desk (the two sides' registrations side by side, a 60/40 split kept and shown), and a
salesperson records a follow-up on a phone (390x844), nothing spilling sideways.

The live server, the browser and the tab are tests/browser_session.py's; the server reads
the real clock, so the records are made just before now."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dispatcher.clients import disputes
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.office.current import only_office
from tests.browser_session import expect, screenshot, sign_in
from tests.client_records import received
from tests.factories import person

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _disputed_and_hers() -> tuple[int, int]:
    """Alice received a client Bruno closed and disputes it; another client is hers."""
    office = only_office()
    now = utcnow()
    disputed = received(office, by="Alice Chen", name="Zebulon Quill", at=now - timedelta(days=2))
    disputes.record_deposit(
        db.session,
        client=disputed,
        office=office,
        closer_id=person("Bruno Diaz").id,
        actor="manager",
        now=now - timedelta(hours=2),
    )
    disputes.raise_dispute(
        db.session,
        client=disputed,
        office=office,
        salesperson=person("Alice Chen"),
        reason="I showed them round first",
        now=now - timedelta(hours=1),
    )
    hers = received(office, by="Alice Chen", name="Quill", phone="+12025550171", at=now)
    ids = disputed.id, hers.id
    db.session.commit()
    return ids


def test_the_manager_splits_a_dispute_and_alice_follows_up_on_her_phone(browser, tab):
    disputed, hers = _disputed_and_hers()
    sign_in(tab, "manager", lands_on="/")
    tab.goto("/manager/disputes")
    tab.get_by_role("link", name=re.compile("Zebulon Quill")).click()
    sides = tab.locator("#sides .side")
    expect(sides).to_have_count(2)
    expect(sides.nth(0)).to_contain_text("Alice Chen")
    expect(sides.nth(0)).to_contain_text("I showed them round first")
    expect(sides.nth(1)).to_contain_text("closed the deposit")
    decide = tab.locator("#decide")
    decide.locator("select[name=owner]").select_option(label="Bruno Diaz")
    decide.get_by_label("Owner's share %").fill("60")
    decide.locator("select[name=other_1]").select_option(label="Alice Chen")
    decide.locator("input[name=other_1_percent]").fill("40")
    decide.get_by_label("Why").fill("Both worked the client")
    screenshot(tab, "dispute-desk")
    decide.get_by_role("button", name="Decide").click()
    expect(tab).to_have_url(re.compile(f"/manager/clients/{disputed}$"))
    expect(tab.locator("[data-split]")).to_have_text("Bruno Diaz 60% / Alice Chen 40%")
    expect(tab.locator("#history")).to_contain_text("dispute decided")

    phone = browser.new_context(
        base_url=tab.url.split("/manager")[0], viewport=PHONE, is_mobile=True
    )
    phone.set_default_timeout(10_000)
    mobile = phone.new_page()
    sign_in(mobile, "alice", lands_on="/me")
    mobile.get_by_role("link", name="My clients").click()
    expect(mobile.locator(f"[data-client='{disputed}']")).to_contain_text("your share 40%")
    mobile.locator(f"[data-client='{hers}']").get_by_role("link").click()
    mobile.get_by_label("visit").check()
    mobile.get_by_label("Note").fill("Showed the flat on Elm St")
    mobile.get_by_role("button", name="Record the follow-up").click()
    expect(mobile.locator(".flash.success")).to_contain_text("Quill stays yours until")
    expect(mobile.locator(".notices")).to_contain_text("visit: Showed the flat on Elm St")
    width = mobile.evaluate("document.documentElement.clientWidth")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(mobile, "follow-up-phone")
    phone.close()
