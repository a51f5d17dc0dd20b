"""Issue 7, races 1-2: an acknowledgement and the deadline job racing from separate
processes settle in the database: one final state per page, no double reassignment, no
lost acknowledgement, and never a reassignment before the deadline."""

import pytest

from dispatcher.extensions import db
from testkit.race_harness import run_races, verdict

pytestmark = pytest.mark.commits  # the racers are other processes


def test_ack_and_deadline_racing_from_two_processes(settings, office):
    db.session.commit()
    result = run_races(settings=settings, office=office, trials=40, spread=0.1)
    counts = verdict(db.session, result["made"], result["seen"])
    assert counts["acknowledged"] + counts["missed"] == 40 and counts["other"] == 0
    assert counts["both_won"] == 0
    assert counts["lost_acks"] == 0
    assert counts["double_reassignments"] == 0
    assert counts["early"] == 0
    # Both outcomes happen: the race is real, not one side always first.
    assert counts["acknowledged"] > 0 and counts["missed"] > 0


def test_a_deadline_check_run_early_changes_nothing(settings, office):
    db.session.commit()
    result = run_races(settings=settings, office=office, trials=20, spread=0.0, early=0.9, seed=2)
    early_answers = [action for kind, _page, action in result["seen"] if kind == "deadline"]
    assert early_answers == ["early"] * 20
    counts = verdict(db.session, result["made"], result["seen"])
    assert counts["missed"] == 0 and counts["early"] == 0
