"""Coordinators logging calls at the same moment: every call is logged, none fails, and
the rotation hands out turns as if they had come one after another (Q1)."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.leads.service import LeadDetails
from dispatcher.leads.transactions import log_and_page
from dispatcher.models import Assignment, Lead

pytestmark = pytest.mark.commits  # eight threads, each with its own connection


def test_calls_logged_at_once_are_all_kept_and_turns_stay_fair(app, office):
    db.session.commit()

    def log_five(_worker: int) -> int:
        with app.app_context():
            for _ in range(5):
                log_and_page(
                    LeadDetails(caller_phone="202-555-0188", kind="buyer"),
                    user_id=None,
                    actor="test",
                )
            db.session.remove()
        return 5

    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(log_five, range(8))) == 40

    assert db.session.scalar(select(func.count(Lead.id))) == 40
    turns = Counter(db.session.scalars(select(Assignment.salesperson_id)))
    # 40 rotation turns among 7 salespeople: 5 or 6 each, never the same turn twice.
    assert sorted(turns.values()) == [5, 5, 6, 6, 6, 6, 6]
    db.session.rollback()
