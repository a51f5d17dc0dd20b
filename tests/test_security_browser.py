"""Issue #13, item 8, in a real Chromium: the Content-Security-Policy blocks nothing the
pages need (no inline script or handler is left to be refused), and the one control that
acted on change (a salesperson's status) still does, from app.js."""

from __future__ import annotations

import pytest

from dispatcher.extensions import db
from dispatcher.models import Salesperson
from tests.browser_session import sign_in
from tests.factories import person

pytestmark = pytest.mark.browser


def test_the_pages_break_no_rule_of_the_policy(tab):
    refused: list[str] = []
    tab.on("console", lambda message: refused.append(message.text))
    sign_in(tab, "manager", lands_on="/")
    for url in (
        "/",
        "/manager/salespeople",
        "/manager/dashboard",
        "/manager/office",
        "/dev/phone/",
    ):
        assert tab.goto(url).status == 200, url
    violations = [text for text in refused if "Content Security Policy" in text]
    assert not violations, violations


def test_choosing_a_status_saves_it_at_once(tab):
    alice_id = person("Alice Chen").id
    db.session.rollback()
    sign_in(tab, "manager", lands_on="/")
    tab.goto("/manager/salespeople")

    with tab.expect_navigation():
        tab.get_by_label("Status of Alice Chen").select_option("errand")

    db.session.rollback()
    assert db.session.get(Salesperson, alice_id).status == "errand"
    db.session.rollback()
