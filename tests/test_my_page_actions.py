"""Issue 15, item 10: the salesperson's page (/me) answers a page with OK and Pass
buttons that do what OK and PASS by SMS do, shows the client's typed details once the
lead is theirs, refreshes a part of itself, wants a choice before a report, and is
where `/` takes a salesperson."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.leads.service import LeadDetails, current_page
from dispatcher.leads.transactions import log_and_page
from dispatcher.models import Lead, LeadEvent, Page, PageState
from dispatcher.queue import queue
from tests.app_setup import sign_in
from tests.factories import person
from workers import jobs

TYPED = {
    "caller_name": "Zebulon Quill",
    "notes": "Wants a garden\nCall after 5",
    "area": "10001",
    "related_phone": "202-555-0177",
    "source": "Yard sign",
}


def paged_lead(listing: str = "L-1001", **typed) -> tuple[int, int]:
    """A call about a listing (L-1001: Alice's; L-1002: Bruno's), paged and sent."""
    lead = log_and_page(
        LeadDetails(caller_phone="202-555-0188", kind="buyer", listing=listing, **typed),
        user_id=None,
        actor="test",
    )
    lead_id, page_id = lead.id, current_page(session=db.session, lead_id=lead.id).id
    db.session.commit()
    assert jobs.send_page(page_id) == "sent"
    db.session.rollback()
    return lead_id, page_id


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def alice(client, office):
    return sign_in(client, "alice")


def test_a_salesperson_opening_the_front_door_lands_on_their_page(client, office):
    sign_in(client, "alice")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/me"
    assert client.get("/", follow_redirects=True).status_code == 200


def test_ok_on_the_page_takes_the_lead_and_shows_what_was_typed(alice):
    lead_id, page_id = paged_lead(**TYPED)
    before = text(alice.get("/me"))
    assert "Zebulon" not in before and "10001" not in before  # C4: not before it is hers
    assert re.search(rf'action="/me/leads/{lead_id}/ok"', before)
    assert re.search(rf'action="/me/leads/{lead_id}/pass"', before)

    response = alice.post(f"/me/leads/{lead_id}/ok", follow_redirects=True)

    page = db.session.get(Page, page_id)
    assert page.state == PageState.ACKNOWLEDGED and page.acknowledged_by == "page"
    assert db.session.get(Lead, lead_id).state == "acknowledged"
    mine = text(response)
    assert f"Ref {lead_id} is yours" in mine
    lead_part = mine[mine.index(f'data-lead="{lead_id}"') :]
    for shown in ("Zebulon Quill", "Wants a garden", "Call after 5", "10001", "Yard sign"):
        assert shown in lead_part, shown
    assert 'href="tel:+12025550177"' in lead_part  # the family member, one tap away
    assert "12 Elm St" in lead_part
    detail = db.session.scalars(
        select(LeadEvent.detail).where(LeadEvent.kind == "acknowledged")
    ).one()
    assert detail == "Alice Chen acknowledged (page)"
    lead_page = text(sign_in(alice, "coordinator").get(f"/leads/{lead_id}"))
    assert "Alice Chen acknowledged (on their page)" in lead_page


def test_pass_on_the_page_gives_the_lead_to_the_next_at_once_as_pass_by_sms_does(alice):
    lead_id, page_id = paged_lead()
    queue().empty()

    response = alice.post(f"/me/leads/{lead_id}/pass", follow_redirects=True)

    assert db.session.get(Page, page_id).state == PageState.DECLINED
    following = current_page(session=db.session, lead_id=lead_id)
    assert following.id != page_id and following.salesperson_id != person("Alice Chen").id
    assert queue().get_job_ids() == [f"send-{following.id}-0"]  # sent after the commit
    assert f"Ref {lead_id} is passed on to a colleague." in text(response)
    why = db.session.scalars(select(LeadEvent.detail).where(LeadEvent.kind == "declined")).one()
    assert why == "Alice Chen passed (pressed Pass on their page)"


def test_a_button_pressed_after_the_deadline_says_where_the_lead_went(alice):
    from datetime import timedelta

    from dispatcher.clock import utcnow

    lead_id, page_id = paged_lead()
    page = db.session.get(Page, page_id)
    page.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert jobs.check_deadline(page_id) == "reassigned"

    said = text(alice.post(f"/me/leads/{lead_id}/ok", follow_redirects=True))

    assert f"Ref {lead_id} went to a colleague" in said
    assert db.session.get(Page, page_id).state == PageState.MISSED
    assert db.session.get(Lead, lead_id).state == "open"  # the colleague's page is open


@pytest.mark.parametrize("button", ["ok", "pass"])
def test_a_salesperson_may_not_answer_a_colleagues_page(alice, button):
    lead_id, page_id = paged_lead(listing="L-1002")  # Bruno's listing: paged to Bruno

    assert alice.post(f"/me/leads/{lead_id}/{button}").status_code == 403

    assert db.session.get(Page, page_id).state == PageState.OPEN


def test_the_outcome_list_starts_empty_and_report_wants_a_choice(alice):
    lead_id, _ = paged_lead()
    alice.post(f"/me/leads/{lead_id}/ok")
    mine = text(alice.get("/me"))
    select_html = mine[mine.index('name="outcome"') :]
    select_html = select_html[: select_html.index("</select>")]
    assert "required" in mine[mine.index("<select", mine.index(f'data-lead="{lead_id}"')) :][:60]
    assert re.search(r'<option value="" selected>Choose…</option>', select_html)
    assert select_html.count("selected") == 1

    said = text(alice.post(f"/me/leads/{lead_id}/outcome", data={}, follow_redirects=True))

    assert "choose what came of the call" in said
    assert db.session.get(Lead, lead_id).outcome is None


def test_the_page_refreshes_its_open_pages_leads_and_mailbox_from_a_part(alice):
    mine = text(alice.get("/me"))
    assert 'id="my-live" data-refresh="/me/live"' in mine
    lead_id, _ = paged_lead()

    part = alice.get("/me/live")

    assert part.status_code == 200
    assert "<html" not in text(part)  # only the part, not a page
    assert f'data-page="{lead_id}"' in text(part) and "Mailbox" in text(part)
