"""The order of the routing rules and what the coordinator is told: one table of cases
where each rule beats the ones after it or falls through, the reason a manager reads, the
script for a named salesperson who is not in (issue 4; docs/rules.md C2, C3, C5, O4, Q1), and
that someone who missed or declined a lead is never chosen again.

The office and helpers are in tests/routing_cases.py.
"""

from __future__ import annotations

import re

import pytest

from routing import (
    BUSY,
    ERRAND,
    IN_OFFICE,
    OFF_SHIFT,
    OUT,
    RULE_ASKED_FOR,
    RULE_LISTING_AGENT,
    RULE_MANAGER,
    RULE_NEW_SALESPEOPLE,
    RULE_OWNER,
    RULE_ROTATION,
    RULE_SPECIALIST,
    LeadFacts,
    OfficeRules,
    RotationState,
)
from routing.replay import inputs_to_json, replay
from tests.routing_cases import (
    ALICE,
    BRUNO,
    CALLER,
    CHEN,
    DANA,
    EMIL,
    FAMILY,
    FARAH,
    STRANGER,
    buyer,
    decide,
    ex,
    inputs_for,
)

# (lead, statuses, expected salesperson, expected rule). Each rule beats the ones after
# it, and falls through to the next when its person or pool is not available.
CASES = {
    # 1. Asked for by name (C3, O4), whatever their status.
    "asked for, in office": (buyer(asked_for_id=DANA), {}, DANA, RULE_ASKED_FOR),
    "asked for beats owner": (
        buyer(asked_for_id=DANA, caller_phone=CALLER),
        {},
        DANA,
        RULE_ASKED_FOR,
    ),
    "asked for beats listing agent": (
        buyer(asked_for_id=DANA, listing_agent_id=ALICE),
        {},
        DANA,
        RULE_ASKED_FOR,
    ),
    "asked for beats specialist": (
        LeadFacts("seller", asked_for_id=DANA),
        {},
        DANA,
        RULE_ASKED_FOR,
    ),
    "asked for beats new salespeople": (
        buyer(asked_for_id=DANA, area="N9"),
        {},
        DANA,
        RULE_ASKED_FOR,
    ),
    "asked for, off shift": (buyer(asked_for_id=EMIL), {}, EMIL, RULE_ASKED_FOR),
    "asked for, busy": (buyer(asked_for_id=DANA), {DANA: BUSY}, DANA, RULE_ASKED_FOR),
    "asked for, on errand": (buyer(asked_for_id=DANA), {DANA: ERRAND}, DANA, RULE_ASKED_FOR),
    "asked for, out": (buyer(asked_for_id=DANA), {DANA: OUT}, DANA, RULE_ASKED_FOR),
    # C3, O4: the named salesperson cannot be paged but still owns the caller: a message
    # is taken and the manager decides, never a rotation turn.
    "asked for inactive: the manager decides": (
        buyer(asked_for_id=FARAH),
        {},
        None,
        RULE_MANAGER,
    ),
    # X1: of two names, the first who is in the office; neither in: the first named.
    "two names, the first out: the second, in": (
        buyer(asked_for_id=DANA, also_asked_for_id=ALICE),
        {DANA: OUT},
        ALICE,
        RULE_ASKED_FOR,
    ),
    "two names, both in: the first": (
        buyer(asked_for_id=DANA, also_asked_for_id=ALICE),
        {},
        DANA,
        RULE_ASKED_FOR,
    ),
    "two names, neither in: the first named": (
        buyer(asked_for_id=DANA, also_asked_for_id=ALICE),
        {DANA: OUT, ALICE: BUSY},
        DANA,
        RULE_ASKED_FOR,
    ),
    "two names, the first inactive, the second in": (
        buyer(asked_for_id=FARAH, also_asked_for_id=ALICE),
        {},
        ALICE,
        RULE_ASKED_FOR,
    ),
    "asked for excluded: falls through": (
        buyer(asked_for_id=DANA, excluded_ids=ex(DANA)),
        {},
        ALICE,
        RULE_ROTATION,
    ),
    "asked for unknown: falls through": (buyer(asked_for_id=99), {}, ALICE, RULE_ROTATION),
    # 2. A returning client whose ownership is valid (O1, O6, O9): the owner.
    "owner": (buyer(caller_phone=CALLER), {}, BRUNO, RULE_OWNER),
    "owner out of the office": (buyer(caller_phone=CALLER), {BRUNO: OUT}, BRUNO, RULE_OWNER),
    "owner beats listing agent": (
        buyer(caller_phone=CALLER, listing_agent_id=ALICE),
        {},
        BRUNO,
        RULE_OWNER,
    ),
    "owner beats specialist": (
        LeadFacts("seller", caller_phone=CALLER),
        {},
        BRUNO,
        RULE_OWNER,
    ),
    "owner beats new salespeople": (
        buyer(caller_phone=CALLER, area="N9"),
        {},
        BRUNO,
        RULE_OWNER,
    ),
    "family member's owner": (
        buyer(caller_phone=STRANGER, related_phones=(FAMILY,)),
        {},
        CHEN,
        RULE_OWNER,
    ),
    "caller's own owner before family's": (
        buyer(caller_phone=CALLER, related_phones=(FAMILY,)),
        {},
        BRUNO,
        RULE_OWNER,
    ),
    "unknown number: falls through": (buyer(caller_phone=STRANGER), {}, ALICE, RULE_ROTATION),
    # X2: a returning client who would rather not have their salesperson: the manager.
    "returning client declines the owner": (
        buyer(caller_phone=CALLER, declines_owner=True),
        {},
        None,
        RULE_MANAGER,
    ),
    # 3. A buyer or renter asking about a listing: its agent (C2).
    "listing agent of a buyer": (buyer(listing_agent_id=DANA), {}, DANA, RULE_LISTING_AGENT),
    "listing agent, out showing": (
        buyer(listing_agent_id=DANA),
        {DANA: OUT},
        DANA,
        RULE_LISTING_AGENT,
    ),
    "listing agent of a renter beats rental specialist": (
        LeadFacts("renter", listing_agent_id=DANA),
        {},
        DANA,
        RULE_LISTING_AGENT,
    ),
    "listing agent beats new salespeople": (
        buyer(listing_agent_id=DANA, area="N9"),
        {},
        DANA,
        RULE_LISTING_AGENT,
    ),
    "seller: no listing agent rule": (
        LeadFacts("seller", listing_agent_id=DANA),
        {},
        ALICE,
        RULE_SPECIALIST,
    ),
    "landlord: no listing agent rule": (
        LeadFacts("landlord", listing_agent_id=DANA),
        {},
        BRUNO,
        RULE_SPECIALIST,
    ),
    "other: no listing agent rule": (
        LeadFacts("other", listing_agent_id=DANA),
        {},
        ALICE,
        RULE_ROTATION,
    ),
    "listing agent busy: falls through": (
        buyer(listing_agent_id=DANA),
        {DANA: BUSY},
        ALICE,
        RULE_ROTATION,
    ),
    "listing agent off shift: falls through": (
        buyer(listing_agent_id=EMIL),
        {},
        ALICE,
        RULE_ROTATION,
    ),
    "listing agent excluded: falls through": (
        buyer(listing_agent_id=DANA, excluded_ids=ex(DANA)),
        {},
        ALICE,
        RULE_ROTATION,
    ),
    "listing agent inactive: falls through": (
        buyer(listing_agent_id=FARAH),
        {},
        ALICE,
        RULE_ROTATION,
    ),
    # 4. Sellers to seller specialists, rentals to rental specialists (C2).
    "seller specialist": (LeadFacts("seller"), {}, ALICE, RULE_SPECIALIST),
    "rental specialist for a renter": (LeadFacts("renter"), {}, BRUNO, RULE_SPECIALIST),
    "rental specialist for a landlord": (LeadFacts("landlord"), {}, BRUNO, RULE_SPECIALIST),
    "specialist beats new salespeople": (
        LeadFacts("seller", area="N9"),
        {},
        ALICE,
        RULE_SPECIALIST,
    ),
    "seller specialists away: office rotation": (
        LeadFacts("seller"),
        {ALICE: BUSY},
        BRUNO,
        RULE_ROTATION,
    ),
    "seller specialists away, outside area: new salespeople": (
        LeadFacts("seller", area="N9"),
        {ALICE: ERRAND},
        CHEN,
        RULE_NEW_SALESPEOPLE,
    ),
    "rental specialist excluded: office rotation": (
        LeadFacts("renter", excluded_ids=ex(BRUNO)),
        {},
        ALICE,
        RULE_ROTATION,
    ),
    "buyer: no specialist rule": (buyer(), {}, ALICE, RULE_ROTATION),
    # 5. Outside the target area: the new salespeople (C2), case and spaces ignored.
    "outside target area": (buyer(area="N9"), {}, CHEN, RULE_NEW_SALESPEOPLE),
    "outside target area, lower case": (buyer(area=" n9 "), {}, CHEN, RULE_NEW_SALESPEOPLE),
    "inside target area": (buyer(area="N1"), {}, ALICE, RULE_ROTATION),
    "inside target area, other case and spaces": (buyer(area=" n1 "), {}, ALICE, RULE_ROTATION),
    "inside target area stored lower case": (buyer(area="N2"), {}, ALICE, RULE_ROTATION),
    "no area given": (buyer(), {}, ALICE, RULE_ROTATION),
    "blank area": (buyer(area="  "), {}, ALICE, RULE_ROTATION),
    "new salespeople away: office rotation": (
        buyer(area="N9"),
        {CHEN: BUSY},
        ALICE,
        RULE_ROTATION,
    ),
    # 6. The office rotation (Q1): the first available in the manager's order.
    "rotation": (buyer(), {}, ALICE, RULE_ROTATION),
    "rotation skips busy, off shift, inactive and excluded": (
        buyer(excluded_ids=ex(BRUNO)),
        {ALICE: BUSY, CHEN: ERRAND},
        DANA,
        RULE_ROTATION,
    ),
    # Nobody left: the manager (C5).
    "everyone excluded": (buyer(excluded_ids=ex(ALICE, BRUNO, CHEN, DANA)), {}, None, RULE_MANAGER),
    "everyone away": (
        LeadFacts("seller", area="N9"),
        {ALICE: BUSY, BRUNO: ERRAND, CHEN: OFF_SHIFT, DANA: BUSY},
        None,
        RULE_MANAGER,
    ),
}


@pytest.mark.parametrize(("lead", "statuses", "expected", "rule"), CASES.values(), ids=CASES)
def test_rules_in_order(lead, statuses, expected, rule):
    decision = decide(lead, statuses=statuses)
    assert (decision.salesperson_id, decision.rule) == (expected, rule)
    assert decision.reason
    assert decision.manager_decides_on_miss == (rule == RULE_ASKED_FOR)
    # Left to the manager, a named or returning client stays its salesperson's (O4, X2).
    owner = {FARAH: FARAH, None: None}.get(lead.asked_for_id)
    if lead.declines_owner:
        owner = BRUNO
    assert decision.owner_id == (owner if rule == RULE_MANAGER else None)
    assert decision.salesperson_id not in lead.excluded_ids
    assert replay(inputs_to_json(inputs_for(lead, statuses=statuses))) == decision


def test_an_absent_owners_client_waits_for_the_manager_when_the_office_asks_it():
    """O5: with the office's setting, nobody serves an absent owner's client until the
    manager approves who; without it, the next rules pick a colleague at once."""
    rules = OfficeRules(stand_in_needs_approval=True)
    waits = decide(buyer(caller_phone=CALLER), statuses={BRUNO: BUSY}, rules=rules)
    assert (waits.salesperson_id, waits.rule, waits.owner_id) == (None, RULE_MANAGER, BRUNO)
    assert "the manager approves who serves" in waits.reason
    at_once = decide(buyer(caller_phone=CALLER), statuses={BRUNO: BUSY})
    assert (at_once.salesperson_id, at_once.rule, at_once.owner_id) == (
        ALICE,
        RULE_ROTATION,
        BRUNO,
    )
    assert (
        replay(
            inputs_to_json(
                inputs_for(buyer(caller_phone=CALLER), statuses={BRUNO: BUSY}, rules=rules)
            )
        )
        == waits
    )


REASONS = {
    "asked for": (buyer(asked_for_id=DANA), "Caller asked for Dana"),
    "owner": (buyer(caller_phone=CALLER), "Returning client of Bruno (last contact 3 days ago)"),
    "listing agent": (
        buyer(listing_agent_id=DANA, listing_label="12 Elm St"),
        "Listing agent of 12 Elm St",
    ),
    "listing agent, no label": (
        buyer(listing_agent_id=DANA),
        "Listing agent of the listing asked about",
    ),
    "seller specialist": (LeadFacts("seller"), "Seller specialist in rotation: Alice"),
    "rental specialist": (LeadFacts("renter"), "Rental specialist in rotation: Bruno"),
    "new salespeople": (
        buyer(area=" N9 "),
        "Outside the target area (N9): new salesperson Chen in rotation",
    ),
    "rotation": (buyer(), "Next in rotation: Alice"),
    "manager": (
        buyer(excluded_ids=ex(ALICE, BRUNO, CHEN, DANA)),
        "Nobody available: the manager decides",
    ),
}


@pytest.mark.parametrize(("lead", "reason"), REASONS.values(), ids=REASONS)
def test_reason_a_manager_reads(lead, reason):
    assert decide(lead).reason == reason


SCRIPT = "Dana is not in the office right now, may I take a message?"


@pytest.mark.parametrize(
    ("status", "script"),
    [(IN_OFFICE, None), (OUT, SCRIPT), (BUSY, SCRIPT), (ERRAND, SCRIPT), (OFF_SHIFT, SCRIPT)],
)
def test_script_when_the_named_salesperson_is_not_in(status, script):
    """C3: the coordinator says they are not in, and never why."""
    decision = decide(buyer(asked_for_id=DANA), statuses={DANA: status})
    assert decision.script == script
    assert decision.manager_decides_on_miss
    words = set(re.findall(r"[a-z]+", (decision.script or "").lower()))
    assert not words & {"off", "holiday", "sick", "busy", "errand", "shift", "leave"}


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][3] != RULE_ASKED_FOR])
def test_script_only_for_the_named_salesperson(case):
    lead, statuses, _, _ = CASES[case]
    assert decide(lead, statuses=statuses).script is None


EXCLUDED = {
    "named": buyer(asked_for_id=DANA, excluded_ids=ex(DANA)),
    "owner": buyer(caller_phone=CALLER, excluded_ids=ex(BRUNO)),
    "listing agent": buyer(listing_agent_id=DANA, excluded_ids=ex(DANA)),
    "seller specialist": LeadFacts("seller", excluded_ids=ex(ALICE)),
    "rental specialist": LeadFacts("renter", excluded_ids=ex(BRUNO)),
    "new salesperson": buyer(area="N9", excluded_ids=ex(CHEN)),
    "rotation": buyer(excluded_ids=ex(ALICE, BRUNO, CHEN)),
    "owed a make-up turn": buyer(excluded_ids=ex(DANA)),
}


@pytest.mark.parametrize("lead", EXCLUDED.values(), ids=EXCLUDED)
def test_someone_who_missed_or_declined_the_lead_is_never_chosen(lead):
    rotation = RotationState((), frozenset({DANA}))
    decision = decide(lead, rotation=rotation)
    assert decision.salesperson_id is not None
    assert decision.salesperson_id not in lead.excluded_ids
