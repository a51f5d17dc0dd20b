"""The rotation and its make-up turns (docs/rules.md Q1-Q3): everyone gets a turn before
anyone repeats, one make-up turn after being busy or on an errand however many turns
were missed, none for being off shift or excluded, make-up turns taken in the lead's
own pool, and where a pool resumes when the last one served has left it.

The office and helpers are in tests/routing_cases.py.
"""

from __future__ import annotations

import pytest

from routing import (
    BUSY,
    ERRAND,
    IN_OFFICE,
    OFF_SHIFT,
    OUT,
    POOL_OFFICE,
    POOL_SELLER,
    RULE_SPECIALIST,
    LeadFacts,
    RotationState,
    Salesperson,
    choose_salesperson,
)
from tests.routing_cases import (
    ALICE,
    BRUNO,
    CHEN,
    DANA,
    EMIL,
    TEAM,
    buyer,
    decide,
    ex,
    inputs_for,
)


def run_office_turns(events, team=None):
    """Plays events: a dict of status changes, or None for a lead. Returns who got each
    lead, whether it was a make-up turn, and the final rotation state."""
    statuses = {}
    rotation = RotationState()
    served = []
    office = team or tuple(Salesperson(p.id, p.name, p.rotation_position) for p in TEAM[:4])
    for event in events:
        if event is not None:
            statuses.update(event)
            continue
        current = tuple(
            Salesperson(p.id, p.name, p.rotation_position, status=statuses.get(p.id, IN_OFFICE))
            for p in office
        )
        decision = choose_salesperson(inputs_for(buyer(), team=current, rotation=rotation))
        served.append((decision.salesperson_id, "make-up" in decision.reason))
        rotation = decision.rotation_after
    return served, rotation


def test_rotation_gives_everyone_a_turn_before_repeating():
    served, rotation = run_office_turns([None] * 8)
    assert [who for who, _ in served] == [ALICE, BRUNO, CHEN, DANA] * 2
    assert rotation == RotationState(((POOL_OFFICE, DANA),), frozenset())


def test_one_make_up_turn_however_many_turns_were_missed_then_the_order_resumes():
    """Q3: Bruno, busy, misses two turns; back, he gets ONE priority turn, then the
    normal order resumes where it was."""
    served, rotation = run_office_turns(
        [
            None,  # Alice
            {BRUNO: BUSY},
            None,  # Bruno skipped: Chen
            None,  # Dana
            None,  # Alice
            None,  # Bruno skipped again: Chen
            {BRUNO: IN_OFFICE},
            None,  # Bruno's make-up turn
            None,  # the order resumes after Chen: Dana
            None,  # Alice
            None,  # Bruno's normal turn
            None,  # Chen
        ]
    )
    assert served == [
        (ALICE, False),
        (CHEN, False),
        (DANA, False),
        (ALICE, False),
        (CHEN, False),
        (BRUNO, True),
        (DANA, False),
        (ALICE, False),
        (BRUNO, False),
        (CHEN, False),
    ]
    assert rotation.makeup_owed == frozenset()


def test_errand_is_owed_a_make_up_turn_like_busy():
    served, rotation = run_office_turns([{ALICE: ERRAND}, None, None, {ALICE: OUT}, None])
    assert served == [(BRUNO, False), (CHEN, False), (ALICE, True)]
    assert rotation.makeup_owed == frozenset()


def test_off_shift_and_excluded_are_owed_nothing():
    rotation = RotationState(((POOL_OFFICE, DANA),))
    decision = decide(
        buyer(excluded_ids=ex(BRUNO)),
        statuses={ALICE: OFF_SHIFT, BRUNO: BUSY},
        rotation=rotation,
    )
    assert decision.salesperson_id == CHEN  # wraps round past Emil, Farah, Alice, Bruno
    assert decision.rotation_after == RotationState(((POOL_OFFICE, CHEN),), frozenset())


def test_make_up_turn_reason():
    rotation = RotationState(((POOL_OFFICE, ALICE),), frozenset({CHEN}))
    decision = decide(buyer(), rotation=rotation)
    assert decision.salesperson_id == CHEN
    assert (
        decision.reason == "Next in rotation: Chen's make-up turn after being busy or on an errand"
    )
    assert decision.rotation_after == RotationState(((POOL_OFFICE, ALICE),), frozenset())


def test_make_up_turn_goes_to_the_first_owed_in_the_managers_order():
    rotation = RotationState((), frozenset({DANA, BRUNO, CHEN}))
    decision = decide(buyer(), statuses={BRUNO: BUSY}, rotation=rotation)
    assert decision.salesperson_id == CHEN
    assert decision.rotation_after.makeup_owed == frozenset({DANA, BRUNO})


def test_make_up_turn_is_taken_in_the_pool_of_the_lead():
    """Someone owed a make-up turn who is not in the lead's pool waits for a lead of theirs."""
    rotation = RotationState((), frozenset({DANA}))
    decision = decide(LeadFacts("seller"), rotation=rotation)
    assert (decision.salesperson_id, decision.rule) == (ALICE, RULE_SPECIALIST)
    assert decision.rotation_after == RotationState(((POOL_SELLER, ALICE),), frozenset({DANA}))


@pytest.mark.parametrize(
    ("last", "team", "expected"),
    [
        # Chen left the team altogether: start from the top.
        (CHEN, tuple(p for p in TEAM if p.id != CHEN), ALICE),
        # Chen (position 3) is still on the team but lost the seller skill he had: the
        # seller pool resumes after position 3, with Emil (5) when he is on shift.
        (CHEN, TEAM, EMIL),
    ],
)
def test_last_served_left_the_pool(last, team, expected):
    on_shift = tuple(
        Salesperson(p.id, p.name, p.rotation_position, p.active, IN_OFFICE, p.skills) for p in team
    )
    decision = decide(
        LeadFacts("seller"), team=on_shift, rotation=RotationState(((POOL_SELLER, last),))
    )
    assert decision.salesperson_id == expected


def test_rotation_after_lists_pools_in_order():
    rotation = RotationState(((POOL_OFFICE, ALICE), (POOL_SELLER, ALICE)))
    decision = decide(LeadFacts("renter"), rotation=rotation)
    assert decision.rotation_after.last_served == (
        ("office", ALICE),
        ("rental", BRUNO),
        ("seller", ALICE),
    )
