"""Known clients and their owners (docs/rules.md O1, O5, O6, O9, Q4): how long ownership
lasts, a family member's owner, an owner who left or is away (someone else serves, the
owner keeps the client, no rotation turn is taken, a make-up turn owed is kept), and
which contact counts when a number is stored twice.

The office and helpers are in tests/routing_cases.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from routing import (
    BUSY,
    ERRAND,
    OFF_SHIFT,
    POOL_OFFICE,
    POOL_SELLER,
    RULE_LISTING_AGENT,
    RULE_MANAGER,
    RULE_NEW_SALESPEOPLE,
    RULE_OWNER,
    RULE_ROTATION,
    RULE_SPECIALIST,
    KnownClient,
    LeadFacts,
    OfficeRules,
    RotationState,
    Salesperson,
)
from tests.routing_cases import (
    ALICE,
    BRUNO,
    CALLER,
    CHEN,
    CHENS_FAMILY,
    DANA,
    EMIL,
    FAMILY,
    NOW,
    RULES,
    TEAM,
    buyer,
    decide,
    ex,
)


@pytest.mark.parametrize(
    ("days", "reason"),
    [
        (timedelta(hours=2), "Returning client of Bruno (last contact today)"),
        (timedelta(days=1, hours=2), "Returning client of Bruno (last contact 1 day ago)"),
    ],
)
def test_owner_reason_days(days, reason):
    known = (KnownClient(CALLER, BRUNO, NOW - days),)
    assert decide(buyer(caller_phone=CALLER), known=known).reason == reason


@pytest.mark.parametrize(
    ("age", "lapse_days", "expected", "rule"),
    [
        (timedelta(days=19), 20, BRUNO, RULE_OWNER),
        (timedelta(days=20), 20, BRUNO, RULE_OWNER),  # O6: the 20th day still counts
        (timedelta(days=20, seconds=1), 20, ALICE, RULE_ROTATION),
        (timedelta(days=21), 20, ALICE, RULE_ROTATION),  # lapsed: a new client
        (timedelta(days=25), 30, BRUNO, RULE_OWNER),  # the office's own setting
        (timedelta(days=31), 30, ALICE, RULE_ROTATION),
        (-timedelta(minutes=1), 20, BRUNO, RULE_OWNER),  # contact logged just after now
    ],
)
def test_ownership_lapses_after_the_set_days(age, lapse_days, expected, rule):
    known = (KnownClient(CALLER, BRUNO, NOW - age),)
    rules = OfficeRules(target_area=RULES.target_area, ownership_lapse_days=lapse_days)
    decision = decide(buyer(caller_phone=CALLER), known=known, rules=rules)
    assert (decision.salesperson_id, decision.rule) == (expected, rule)


def test_lapsed_caller_falls_back_to_a_family_members_owner():
    known = (KnownClient(CALLER, BRUNO, NOW - timedelta(days=21)), CHENS_FAMILY)
    decision = decide(buyer(caller_phone=CALLER, related_phones=(FAMILY,)), known=known)
    assert (decision.salesperson_id, decision.rule) == (CHEN, RULE_OWNER)


def test_owner_no_longer_on_the_team_makes_a_new_client():
    known = (KnownClient(CALLER, 99, NOW - timedelta(days=1)),)
    decision = decide(buyer(caller_phone=CALLER), known=known)
    assert (decision.salesperson_id, decision.rule, decision.owner_id) == (
        ALICE,
        RULE_ROTATION,
        None,
    )
    assert decision.rotation_after.last_in(POOL_OFFICE) == ALICE  # a rotation turn


def test_owner_serves_without_taking_a_rotation_turn():
    """Q4: a returning client is not a rotation turn."""
    rotation = RotationState(((POOL_OFFICE, ALICE),), frozenset({DANA}))
    decision = decide(buyer(caller_phone=CALLER), rotation=rotation)
    assert decision.rule == RULE_OWNER
    assert decision.rotation_after == rotation


AWAY = {
    "busy": ({BRUNO: BUSY}, frozenset()),
    "on errand": ({BRUNO: ERRAND}, frozenset()),
    "off shift": ({BRUNO: OFF_SHIFT}, frozenset()),
    "already missed this lead": ({}, ex(BRUNO)),
}


@pytest.mark.parametrize(("statuses", "excluded"), AWAY.values(), ids=AWAY)
@pytest.mark.parametrize(
    ("kind", "extra", "expected", "rule", "reason"),
    [
        (
            "buyer",
            {},
            CHEN,
            RULE_ROTATION,
            "Next in rotation: Chen, serving Bruno's returning client; "
            "not counted as a rotation turn",
        ),
        (
            "buyer",
            {"listing_agent_id": DANA, "listing_label": "12 Elm St"},
            DANA,
            RULE_LISTING_AGENT,
            "Listing agent of 12 Elm St, serving Bruno's returning client",
        ),
        (
            "seller",
            {},
            ALICE,
            RULE_SPECIALIST,
            "Seller specialist in rotation: Alice, serving Bruno's returning client; "
            "not counted as a rotation turn",
        ),
        (
            "buyer",
            {"area": "N9"},
            CHEN,
            RULE_NEW_SALESPEOPLE,
            "Outside the target area (N9): new salesperson Chen in rotation, "
            "serving Bruno's returning client; not counted as a rotation turn",
        ),
    ],
)
def test_owner_away_someone_else_serves_and_the_owner_keeps_the_client(
    statuses, excluded, kind, extra, expected, rule, reason
):
    """O5: the next rule picks who serves; the owner keeps the client; Q4: no turn taken."""
    rotation = RotationState(((POOL_OFFICE, BRUNO), (POOL_SELLER, EMIL)), frozenset())
    lead = LeadFacts(kind, caller_phone=CALLER, excluded_ids=excluded, **extra)
    decision = decide(lead, statuses=statuses, rotation=rotation)
    assert (decision.salesperson_id, decision.rule) == (expected, rule)
    assert decision.owner_id == BRUNO
    assert decision.rotation_after == rotation
    assert decision.reason == reason
    assert not decision.manager_decides_on_miss


def test_inactive_owner_counts_as_away():
    team = tuple(p if p.id != BRUNO else Salesperson(BRUNO, "Bruno", 2, active=False) for p in TEAM)
    decision = decide(buyer(caller_phone=CALLER), team=team)
    assert (decision.salesperson_id, decision.rule, decision.owner_id) == (
        ALICE,
        RULE_ROTATION,
        BRUNO,
    )


def test_owner_away_and_nobody_left_the_manager_decides():
    lead = buyer(caller_phone=CALLER, excluded_ids=ex(ALICE, CHEN, DANA))
    decision = decide(lead, statuses={BRUNO: BUSY})
    assert (decision.salesperson_id, decision.rule, decision.owner_id) == (
        None,
        RULE_MANAGER,
        BRUNO,
    )
    assert decision.reason == "Nobody available for Bruno's returning client: the manager decides"


def test_owner_away_the_make_up_turn_is_kept_for_a_real_turn():
    """Q4 with Q3: whoever is owed a make-up turn serves first, but it is not used up."""
    rotation = RotationState(((POOL_OFFICE, ALICE),), frozenset({DANA}))
    decision = decide(buyer(caller_phone=CALLER), statuses={BRUNO: BUSY}, rotation=rotation)
    assert decision.salesperson_id == DANA
    assert decision.rotation_after == rotation
    assert decision.reason == (
        "Next in rotation: Dana (owed a make-up turn, kept for later), "
        "serving Bruno's returning client; not counted as a rotation turn"
    )


def test_the_latest_contact_counts_when_a_number_is_stored_twice():
    known = (
        KnownClient(CALLER, DANA, NOW - timedelta(days=2)),
        KnownClient(CALLER, BRUNO, NOW - timedelta(days=30)),
    )
    assert decide(buyer(caller_phone=CALLER), known=known).salesperson_id == DANA
