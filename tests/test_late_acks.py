"""Issue 7, race 4: 500 acknowledgements that come after the lead moved on. Each
salesperson is told plainly that the lead has gone to a colleague, and not one
reassignment is undone: every page, assignment and lead is as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.leads.service import current_page
from dispatcher.models import Assignment, Lead, Page
from dispatcher.pages import service as pages
from tests.factories import T0, new_lead, page_out
from tests.webhook_helpers import reply_text, text_sms

LATE_ACKS = 500
# The ways a salesperson names the lead they mean to take.
BODIES = ("OK {ref}", "{ref}", "Yes {ref}", "#{ref}", "ok, ref{ref}")


pytestmark = pytest.mark.twilio


def missed_leads(office, count: int) -> list[tuple[int, str]]:
    """``count`` leads whose first salesperson missed the page; each is now paged to the
    next. Returns (lead id, the mobile of the one who missed)."""
    moved_on = []
    for n in range(count):
        at = T0 + timedelta(seconds=n)
        lead = new_lead(office, now=at)
        page = page_out(current_page(session=db.session, lead_id=lead.id), at)
        outcome = pages.handle_deadline(
            session=db.session,
            page_id=page.id,
            now=page.deadline_at + timedelta(seconds=1),
            deadline_seconds=300,
        )
        assert outcome.action == "reassigned"
        moved_on.append((lead.id, page.salesperson.mobile))
    db.session.commit()
    return moved_on


def the_record() -> tuple[list, list, list]:
    db.session.expire_all()
    page_rows = db.session.execute(
        select(Page.id, Page.state, Page.salesperson_id, Page.closed_at, Page.deadline_at)
    ).all()
    assignments = db.session.execute(select(Assignment.id, Assignment.salesperson_id)).all()
    leads = db.session.execute(select(Lead.id, Lead.state)).all()
    return sorted(page_rows), sorted(assignments), sorted(leads)


def test_late_acknowledgements_are_told_and_undo_nothing(client, office):
    moved_on = missed_leads(office, LATE_ACKS)
    before = the_record()

    replies = []
    for n, (ref, missed_by) in enumerate(moved_on):
        response = text_sms(client, BODIES[n % len(BODIES)].format(ref=ref), sender=missed_by)
        assert response.status_code == 200
        replies.append((ref, reply_text(response)))

    told = [
        ref
        for ref, text in replies
        if text.startswith(f"Ref {ref} went to a colleague at ")
        and text.endswith(", no reply in 5 min. A notice is in your mailbox.")
    ]
    assert len(told) == LATE_ACKS
    assert the_record() == before
    # Each lead is still with the salesperson it moved on to, waiting for them.
    assert {state for _id, state, *_rest in before[0]} == {"missed", "open"}
