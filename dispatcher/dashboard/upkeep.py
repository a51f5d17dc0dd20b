"""Keeping the dashboard's rollups up to date (dashboard/rollups.py): a little
every round of the clock process (workers/sweeper.py), or all at once from
``flask dashboard-rollups``.

Each rollup is built in two short transactions: its records are read in a reading
session (on SQLite it does not hold the write lock, so calls are logged meanwhile), then
its figures are written. A change committed in between leaves the rollup stale, not
wrong (the version protocol in dashboard_rollups).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime

from flask import Flask
from sqlalchemy import select

from dispatcher.clock import local_time, utcnow
from dispatcher.dashboard import rollups
from dispatcher.extensions import db
from dispatcher.models import Office
from dispatcher.unit_of_work import end_read, report_session

log = logging.getLogger(__name__)

# How long one round of the clock process may build rollups: the sweep waits meanwhile.
# Measured on the benchmark's office (30 times a real one): a day 0.06 s, a week 0.2 s,
# a month 0.7-1.1 s; a round builds at least one, so a sweep waits a second at most.
CLOCK_BUDGET_SECONDS = 1.0
CHANGES_PER_TRANSACTION = 10_000

# Told of each rollup built: its first and last day, how many built so far, how many to
# build, and the seconds it took.
Progress = Callable[[date, date, int, int, float], None]


def update_rollups(
    *,
    timezone: str,
    first_day: date | None = None,
    last_day: date | None = None,
    rebuild: bool = False,
    budget_seconds: float | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Record the logged changes, add the missing rollups, build the stale ones (all of
    the days' with ``rebuild``), newest first, within ``budget_seconds`` if given (at
    least one). (built, still to build). ``now`` decides which days are over."""
    while rollups.record_changes(session=db.session, limit=CHANGES_PER_TRANSACTION):
        db.session.commit()
    db.session.commit()
    today = local_time(now or utcnow(), timezone).date()
    if rebuild:
        rollups.mark_stale(
            session=db.session,
            timezone=timezone,
            first_day=first_day or date.min,
            last_day=last_day or today,
        )
    rollups.plan_rollups(
        session=db.session,
        timezone=timezone,
        today=today,
        first_day=first_day,
        last_day=last_day,
    )
    db.session.commit()
    todo = rollups.rollups_to_build(
        session=db.session, timezone=timezone, first_day=first_day, last_day=last_day
    )
    db.session.commit()
    started = time.monotonic()
    built = 0
    for rollup_id, first, last in todo:
        if budget_seconds is not None and built and time.monotonic() - started > budget_seconds:
            break
        began = time.monotonic()
        with report_session() as reading:
            version, figures = rollups.compute_rollup(session=reading, rollup_id=rollup_id)
        rollups.store_rollup(
            session=db.session, rollup_id=rollup_id, version=version, figures=figures, now=utcnow()
        )
        db.session.commit()
        built += 1
        if progress is not None:
            progress(first, last, built, len(todo), time.monotonic() - began)
    return built, len(todo) - built


def office_timezones() -> list[str]:
    """The time zones of the offices: a rollup's days are an office's days."""
    zones = list(db.session.scalars(select(Office.timezone).distinct().order_by(Office.timezone)))
    end_read()
    return zones


def refresh_rollups(app: Flask) -> None:
    """One round for the clock process, for each office's time zone. Never raises: the
    sweep must go on, and the dashboard reads the records themselves for any day without
    a fresh rollup."""
    try:
        with app.app_context():
            try:
                for timezone in office_timezones():
                    built, left = update_rollups(
                        timezone=timezone, budget_seconds=CLOCK_BUDGET_SECONDS
                    )
                    if built:
                        log.info(
                            "dashboard rollups (%s): built %s, %s to go", timezone, built, left
                        )
            finally:
                db.session.rollback()
    except Exception:
        log.exception("dashboard rollups not updated this round")
