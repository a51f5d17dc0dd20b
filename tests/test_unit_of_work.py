"""One unit of work (issue #14, item 6): committed whole or not at all, and its jobs
queued only after the commit, so that no job sees rows that may yet be rolled back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.leads.service import current_page
from dispatcher.models import LeadEvent
from dispatcher.queue import queue
from dispatcher.unit_of_work import commit_then_enqueue, unit_of_work
from tests.factories import new_lead


def events_on_record() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(LeadEvent.id)))


def queued(page_id: int) -> bool:
    return queue().fetch_job(f"send-{page_id}-0") is not None


def test_the_work_is_committed_and_then_its_page_queued(office):
    with unit_of_work() as work:
        lead = new_lead(office)
        page_id = current_page(session=db.session, lead_id=lead.id).id
        work.send(page_id)
        assert not queued(page_id)  # not before the commit
    db.session.remove()  # another session: only what was committed

    assert events_on_record() > 0
    assert queued(page_id)


def test_on_an_error_nothing_is_kept_and_nothing_queued(office):
    with pytest.raises(RuntimeError), unit_of_work() as work:
        lead = new_lead(office)
        page_id = current_page(session=db.session, lead_id=lead.id).id
        work.send(page_id)
        raise RuntimeError("the work failed half-way")

    assert events_on_record() == 0
    assert not queued(page_id)


def test_commit_then_enqueue_skips_what_is_not_there(office):
    lead = new_lead(office)
    page_id = current_page(session=db.session, lead_id=lead.id).id

    commit_then_enqueue(pages=[None, page_id], manager_messages=[None])

    assert queued(page_id)
    assert events_on_record() > 0
