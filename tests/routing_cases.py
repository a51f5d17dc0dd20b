"""The office every routing test decides for, and the helpers that build its inputs.

Not a test module: tests/test_routing_*.py import from here, so that a table in one of
them and an assertion in another mean the same Alice, the same caller and the same "now".
Six salespeople in the manager's order, with the skills and statuses the rules tell
apart (Emil off shift, Farah inactive); Bruno owns the caller and Chen a family member's
number (docs/rules.md O9).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from routing import (
    OFF_SHIFT,
    KnownClient,
    LeadFacts,
    OfficeRules,
    RotationState,
    RoutingInputs,
    Salesperson,
    choose_salesperson,
)

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
