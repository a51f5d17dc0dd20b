"""Issue 15, items 9 and 11: the lead's page shows every field typed, in words, and the
routing and the timeline without code names; no screen shows a rule id, a stored code
or "the seed claims"; every page names its icon, which is there."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads.call_candidates import DETAILS_HEARD
from dispatcher.leads.timeline import record_event
from dispatcher.models import Client
from dispatcher.pages import service as pages
from tests.app_setup import sign_in
from tests.factories import new_lead, person

# What code looks like on a screen: a rule id of the office's rules ("(C7)"), a stored
# value with an underscore ("walk_in", "listing_agent", "details_by_call").
RULE_ID = re.compile(r"\((?:[COQ]\d+)(?:[,-][ ]?[COQ]?\d+)*\)")
CODES = re.compile(
    r"\b(walk_in|listing_agent|asked_for|new_salespeople|details_by_call|not_a_client|"
    r"in_office|off_shift|appointment_set|page_undelivered|duplicate_sms)\b"
)


def screen_text(response) -> str:
    """What the eye reads: the page without its tags, attributes and scripts."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def a_typed_walk_in(office):
    lead = new_lead(
        office,
        now=utcnow(),
        channel="walk_in",
        caller_name="Zebulon Quill",
        source="Yard sign",
        listing="L-1001",
        area="10001",
        related_phone="202-555-0177",
        notes="Wants a garden",
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
    return lead


def test_the_lead_page_shows_every_typed_field_in_words(coordinator, office):
    lead = a_typed_walk_in(office)

    shown = " ".join(screen_text(coordinator.get(f"/leads/{lead.id}")).split())

    for label, value in {
        "Caller": "Zebulon Quill",
        "Phone": "+12025550188",
        "Kind": "Buyer",
        "Came by": "Walk-in",
        "What brought them": "Yard sign",
        "Listing": "L-1001, 12 Elm St (Alice Chen's listing)",
        "Area": "10001",
        "Family member's phone": "+12025550177",
        "Asked for": "nobody by name",
        "Notes": "Wants a garden",
    }.items():
        assert f"{label} {value}" in shown, label
    assert "Alice Chen : Listing agent of 12 Elm St · rule: Listing agent" in shown
    assert "Replayed from what was known then: the same choice." in shown
    assert "Routed Listing agent of 12 Elm St" in shown
    assert "Acknowledged Alice Chen acknowledged (by SMS)" in shown
    assert "Details given by call Alice Chen called the office" in shown
    assert not CODES.search(shown), CODES.search(shown)
    assert "by rule" not in shown and "<code>" not in shown


def test_an_empty_field_says_so(coordinator, office):
    lead = new_lead(office, now=utcnow(), caller_name="")
    db.session.commit()

    shown = " ".join(screen_text(coordinator.get(f"/leads/{lead.id}")).split())

    for said in ("Caller no name given", "Area not given", "Family member's phone none given"):
        assert said in shown


def test_the_dashboard_speaks_the_offices_words(manager, office):
    a_typed_walk_in(office)
    lead = new_lead(office, now=utcnow(), caller_phone="202-555-0190")
    pages.acknowledge_page(
        session=db.session, page_id=lead.assignments[-1].page.id, now=utcnow(), by="sms"
    )
    lead.outcome, lead.outcome_at = "appointment_set", utcnow()
    lead.outcome_by_id = lead.assignments[-1].salesperson_id
    db.session.commit()

    shown = screen_text(manager.get("/manager/dashboard"))

    assert "walk-in" in shown and "taken" in shown
    assert not RULE_ID.search(shown), RULE_ID.search(shown)
    assert not CODES.search(shown), CODES.search(shown)
    assert "seed" not in shown
    assert "offices that work this way aim for 95–99%" in shown


def test_no_screen_shows_a_rule_id_or_a_code(client, office):
    lead = a_typed_walk_in(office)
    person("Bruno Diaz").status = "off_shift"
    person("Carmen Ortiz").makeup_owed = True
    db.session.commit()
    client_id = db.session.scalar(select(Client.id))  # the walk-in's client
    screens = {
        "coordinator": ["/", "/board", "/today", f"/leads/{lead.id}", "/dev/phone/"],
        "manager": [
            "/manager/salespeople",
            "/manager/office",
            "/manager/changes",
            "/manager/clients",
            f"/manager/clients/{client_id}",
            f"/manager/clients/{client_id}/dispute",
            "/manager/disputes",
            "/manager/clients/hand-over",
        ],
        "alice": ["/me", "/me/live", "/me/clients"],
    }
    for user, urls in screens.items():
        sign_in(client, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            shown = screen_text(response)
            assert not RULE_ID.search(shown), (url, RULE_ID.search(shown))
            assert not CODES.search(shown), (url, CODES.search(shown))


@pytest.mark.parametrize("user, url", [("coordinator", "/"), ("alice", "/me"), (None, "/sign-in")])
def test_every_page_names_its_icon_and_the_icon_is_there(client, office, user, url):
    if user:
        sign_in(client, user)
    html = client.get(url).get_data(as_text=True)
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', html)
    assert icon, url

    served = client.get(icon.group(1))

    assert served.status_code == 200
    assert served.mimetype == "image/svg+xml"
    assert b"<svg" in served.get_data()


def test_the_changes_screen_says_what_changed_in_words(manager, office):
    """*What* once showed ManagerChange's codes: "office", "page_by", "hours"."""
    from dispatcher.office.controls import record_change

    for kind in ("office", "page_by", "hours", "courtesy_template_added"):
        record_change(
            session=db.session,
            office_id=office.id,
            actor="manager",
            now=utcnow(),
            kind=kind,
            detail="",
        )
    db.session.commit()

    cells = re.findall(r"<td>([^<]*)</td>", manager.get("/manager/changes").get_data(as_text=True))

    for words in ("office rules", "how pages reach them", "office hours", "courtesy text added"):
        assert words in cells
    assert not {"office", "page_by", "hours", "courtesy_template_added"} & set(cells)
