"""Acknowledgement against the deadline, from two processes at once (issue 7, races 1-2).

Each trial is one page whose deadline falls at a known instant. One process sends the
salesperson's acknowledgement at a random moment within +/- spread of the deadline; the
other runs the deadline check at the deadline (optionally early, as RQ may). Both go
through the real services on their own database connections; the database decides.
Used by tests/test_races.py (a few dozen trials) and bench/races.py (a thousand).
"""

from __future__ import annotations

import multiprocessing
import random
import time
from datetime import UTC, datetime


def _app(settings: dict):
    from dispatcher import create_app

    return create_app(settings)


def _wait_until(wall: float) -> None:
    delay = wall - time.time()
    if delay > 0:
        time.sleep(delay)


def _naive_utc(wall: float) -> datetime:
    return datetime.fromtimestamp(wall, UTC).replace(tzinfo=None)


def acker(settings: dict, schedule: list[tuple[int, float]], results) -> None:
    from dispatcher.extensions import db
    from dispatcher.pages.service import acknowledge_page

    app = _app(settings)
    with app.app_context():
        for page_id, wall in schedule:
            _wait_until(wall)
            done = acknowledge_page(
                session=db.session, page_id=page_id, now=_naive_utc(time.time()), by="sms"
            )
            db.session.commit()
            results.put(("ack", page_id, done))


def deadliner(settings: dict, schedule: list[tuple[int, float]], results) -> None:
    from dispatcher.extensions import db
    from dispatcher.pages.service import handle_deadline

    app = _app(settings)
    with app.app_context():
        for page_id, wall in schedule:
            _wait_until(wall)
            outcome = handle_deadline(
                session=db.session,
                page_id=page_id,
                now=_naive_utc(time.time()),
                deadline_seconds=300,
            )
            db.session.commit()
            results.put(("deadline", page_id, outcome.action))


def prepare_pages(*, office, trials: int, gap: float, lead_time: float) -> list[tuple]:
    """One lead and one sent page per trial; the deadlines, ``gap`` seconds apart, start
    ``lead_time`` seconds after all pages are written (so none is past when racing)."""
    from dispatcher.extensions import db
    from dispatcher.leads.service import LeadDetails, current_page, log_lead
    from testkit.records import page_out

    written = []
    for _trial in range(trials):
        now = _naive_utc(time.time())
        lead = log_lead(
            session=db.session,
            office=office,
            details=LeadDetails(caller_phone="202-555-0188", kind="buyer"),
            logged_by_id=None,
            actor="race",
            now=now,
            deadline_seconds=300,
            region="US",
        )
        page = page_out(current_page(session=db.session, lead_id=lead.id), now)
        written.append((lead.id, page))
    first = time.time() + lead_time
    made = []
    for trial, (lead_id, page) in enumerate(written):
        deadline = first + trial * gap
        page.deadline_at = _naive_utc(deadline)
        made.append((lead_id, page.id, deadline))
    db.session.commit()
    return made


def run_races(
    *,
    settings: dict,
    office,
    trials: int,
    spread: float = 0.1,
    early: float = 0.0,
    gap: float = 0.03,
    seed: int = 1,
) -> dict:
    """Race ``trials`` pages and return what each side saw. ``early`` runs every deadline
    check that many seconds before the deadline (it must then change nothing)."""
    rng = random.Random(seed)
    # Spawned processes take one to two seconds to start (more on a busy machine); the
    # first deadline, less ``early``, waits for them.
    made = prepare_pages(office=office, trials=trials, gap=gap, lead_time=4.0)
    ack_plan = [
        (page_id, deadline + rng.uniform(-spread, spread)) for _lead, page_id, deadline in made
    ]
    ack_plan.sort(key=lambda item: item[1])
    deadline_plan = [(page_id, deadline - early) for _lead, page_id, deadline in made]
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(target=acker, args=(settings, ack_plan, results)),
        context.Process(target=deadliner, args=(settings, deadline_plan, results)),
    ]
    for process in processes:
        process.start()
    seen = [results.get(timeout=120) for _ in range(2 * trials)]
    for process in processes:
        process.join(30)
    return {"made": made, "seen": seen}


def verdict(session, made: list[tuple], seen: list[tuple]) -> dict[str, int]:
    """Count what matters: final states, double reassignments, lost acks, early moves."""
    from sqlalchemy import func, select

    from dispatcher.models import LeadEvent, Page

    acked = {page_id for kind, page_id, done in seen if kind == "ack" and done}
    reassigned = {
        page_id for kind, page_id, action in seen if kind == "deadline" and action == "reassigned"
    }
    counts = {
        "trials": len(made),
        "acknowledged": 0,
        "missed": 0,
        "other": 0,
        "both_won": len(acked & reassigned),
        "lost_acks": 0,
        "double_reassignments": 0,
        "early": 0,
    }
    for lead_id, page_id, _deadline in made:
        page = session.get(Page, page_id)
        if page.state == "acknowledged":
            counts["acknowledged"] += 1
        elif page.state == "missed":
            counts["missed"] += 1
            if page.closed_at < page.deadline_at:
                counts["early"] += 1
        else:
            counts["other"] += 1
        if page_id in acked and page.state != "acknowledged":
            counts["lost_acks"] += 1
        moves = session.scalar(
            select(func.count(LeadEvent.id)).where(
                LeadEvent.lead_id == lead_id, LeadEvent.kind == "reassigned"
            )
        )
        if moves > 1:
            counts["double_reassignments"] += 1
    session.rollback()
    return counts
