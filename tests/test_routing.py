"""The spine's routing rules as pure code (domain.md C2, C3, Q1)."""

import pytest

from routing import LeadFacts, Salesperson, choose_salesperson

TEAM = [
    Salesperson(1, "Alice", 1),
    Salesperson(2, "Bruno", 2),
    Salesperson(3, "Carmen", 3),
    Salesperson(4, "David", 4, active=False),
]


@pytest.mark.parametrize(
    ("facts", "last", "expected_id", "rule"),
    [
        # C3: asked for by name wins over the listing agent and the rotation.
        (LeadFacts("buyer", asked_for_id=3, listing_agent_id=2), 1, 3, "asked_for"),
        # C2: a buyer asking about a listing goes to its agent.
        (LeadFacts("buyer", listing_agent_id=2), 2, 2, "listing_agent"),
        # Q1: otherwise the next after the last served, in the manager's order.
        (LeadFacts("buyer"), None, 1, "rotation"),
        (LeadFacts("buyer"), 1, 2, "rotation"),
        (LeadFacts("buyer"), 3, 1, "rotation"),  # wraps round, skipping inactive David
        # Someone who already missed this lead is never chosen again.
        (LeadFacts("buyer", asked_for_id=3, excluded_ids=frozenset({3})), 1, 2, "rotation"),
        (LeadFacts("buyer", listing_agent_id=2, excluded_ids=frozenset({2})), 2, 3, "rotation"),
        # An inactive salesperson asked for by name falls through to the rotation.
        (LeadFacts("buyer", asked_for_id=4), None, 1, "rotation"),
        # Nobody left: the manager.
        (LeadFacts("buyer", excluded_ids=frozenset({1, 2, 3})), 1, None, "manager"),
    ],
)
def test_rules_in_order(facts, last, expected_id, rule):
    decision = choose_salesperson(facts, TEAM, last_rotation_id=last)
    assert (decision.salesperson_id, decision.rule) == (expected_id, rule)
    assert decision.reason


def test_reason_names_the_listing():
    decision = choose_salesperson(
        LeadFacts("buyer", listing_agent_id=2, listing_label="12 Elm St"),
        TEAM,
        last_rotation_id=None,
    )
    assert decision.reason == "Listing agent of 12 Elm St"


def test_rotation_gives_everyone_a_turn_before_repeating():
    last, served = None, []
    for _ in range(6):
        decision = choose_salesperson(LeadFacts("buyer"), TEAM, last_rotation_id=last)
        last = decision.salesperson_id
        served.append(last)
    assert served == [1, 2, 3, 1, 2, 3]
