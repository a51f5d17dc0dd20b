"""The office's routing rules as pure code, one table per rule and one for their order
(issue 4; domain.md C2, C3, C5, O1, O4-O6, O9, Q1-Q4)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest

from routing import (
    BUSY,
    ERRAND,
    IN_OFFICE,
    OFF_SHIFT,
    OUT,
    POOL_OFFICE,
    POOL_SELLER,
    RULE_ASKED_FOR,
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
    RoutingInputs,
    Salesperson,
    choose_salesperson,
    known_clients_for,
)
from routing.replay import decision_from_json, decision_to_json, inputs_to_json, replay

NOW = datetime(2024, 5, 10, 12, 0)
CALLER = "+15550000001"
FAMILY = "+15550000002"
STRANGER = "+15550000009"

ALICE, BRUNO, CHEN, DANA, EMIL, FARAH = 1, 2, 3, 4, 5, 6
TEAM = (
    Salesperson(ALICE, "Alice", 1, skills=frozenset({"seller", "listing"})),
    Salesperson(BRUNO, "Bruno", 2, skills=frozenset({"rental"})),
    Salesperson(CHEN, "Chen", 3, skills=frozenset({"new"})),
    Salesperson(DANA, "Dana", 4),
    Salesperson(EMIL, "Emil", 5, status=OFF_SHIFT, skills=frozenset({"seller"})),
    Salesperson(FARAH, "Farah", 6, active=False, skills=frozenset({"rental", "new"})),
)
RULES = OfficeRules(target_area=frozenset({"N1", "n2"}))
# Bruno owns the caller (3 days ago); Chen owns a family member (O9).
BRUNOS_CLIENT = KnownClient(CALLER, BRUNO, NOW - timedelta(days=3))
CHENS_FAMILY = KnownClient(FAMILY, CHEN, NOW - timedelta(days=5))
NO_TURNS_YET = RotationState()


def team_with(statuses: dict[int, str] | None = None) -> tuple[Salesperson, ...]:
    statuses = statuses or {}
    return tuple(
        Salesperson(p.id, p.name, p.rotation_position, p.active, statuses[p.id], p.skills)
        if p.id in statuses
        else p
        for p in TEAM
    )


def inputs_for(
    lead: LeadFacts,
    *,
    statuses: dict[int, str] | None = None,
    known: tuple[KnownClient, ...] = (BRUNOS_CLIENT, CHENS_FAMILY),
    rotation: RotationState = NO_TURNS_YET,
    rules: OfficeRules = RULES,
    team: tuple[Salesperson, ...] | None = None,
) -> RoutingInputs:
    return RoutingInputs(
        lead=lead,
        team=team if team is not None else team_with(statuses),
        rotation=rotation,
        rules=rules,
        known_clients=known,
        now=NOW,
    )


def decide(lead: LeadFacts, **kwargs):
    return choose_salesperson(inputs_for(lead, **kwargs))


def buyer(**kwargs) -> LeadFacts:
    return LeadFacts("buyer", **kwargs)


def ex(*ids: int) -> frozenset[int]:
    return frozenset(ids)


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
    "asked for inactive: falls through": (buyer(asked_for_id=FARAH), {}, ALICE, RULE_ROTATION),
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
    assert decision.owner_id is None
    assert decision.salesperson_id not in lead.excluded_ids
    assert replay(inputs_to_json(inputs_for(lead, statuses=statuses))) == decision


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


def test_a_clients_mapping_replaces_the_stored_ones():
    clients = {CALLER: KnownClient(CALLER, DANA, NOW - timedelta(days=1))}
    lead = buyer(caller_phone=CALLER, related_phones=(FAMILY,))
    inputs = inputs_for(lead, known=())
    assert choose_salesperson(inputs, clients=clients).salesperson_id == DANA
    assert choose_salesperson(inputs).rule == RULE_ROTATION
    stored = known_clients_for(lead, clients)
    assert stored == (clients[CALLER],)
    replayed = choose_salesperson(inputs_for(lead, known=stored))
    assert replayed == choose_salesperson(inputs, clients=clients)


def test_the_latest_contact_counts_when_a_number_is_stored_twice():
    known = (
        KnownClient(CALLER, DANA, NOW - timedelta(days=2)),
        KnownClient(CALLER, BRUNO, NOW - timedelta(days=30)),
    )
    assert decide(buyer(caller_phone=CALLER), known=known).salesperson_id == DANA


def test_decision_and_inputs_survive_json():
    inputs = inputs_for(
        buyer(caller_phone=CALLER, related_phones=(FAMILY,), area="N9", excluded_ids=ex(3, 1)),
        statuses={BRUNO: BUSY},
        rotation=RotationState(((POOL_OFFICE, ALICE),), frozenset({DANA, CHEN})),
    )
    stored = json.loads(json.dumps(inputs_to_json(inputs)))
    decision = choose_salesperson(inputs)
    assert replay(stored) == decision
    assert decision_from_json(json.loads(json.dumps(decision_to_json(decision)))) == decision
    assert stored["lead"]["excluded_ids"] == [1, 3]
    assert stored["now"] == "2024-05-10T12:00:00"
