"""The spine's routing rules, in order: asked for by name (C3), listing agent (C2),
then the office rotation (Q1); the manager when nobody is left (C5)."""

from __future__ import annotations

from collections.abc import Sequence

from routing.decision import (
    RULE_ASKED_FOR,
    RULE_LISTING_AGENT,
    RULE_MANAGER,
    RULE_ROTATION,
    LeadFacts,
    RoutingDecision,
    Salesperson,
)


def choose_salesperson(
    lead: LeadFacts,
    salespeople: Sequence[Salesperson],
    *,
    last_rotation_id: int | None,
) -> RoutingDecision:
    """Choose who serves the lead; never someone in ``lead.excluded_ids``.

    ``last_rotation_id`` is the salesperson who took the last rotation turn: the next
    turn goes to whoever follows them in the manager's order.
    """
    by_id = {person.id: person for person in salespeople}
    eligible = {
        person.id for person in salespeople if person.active and person.id not in lead.excluded_ids
    }

    asked = by_id.get(lead.asked_for_id) if lead.asked_for_id else None
    if asked and asked.id in eligible:
        return RoutingDecision(asked.id, RULE_ASKED_FOR, f"Caller asked for {asked.name}")

    agent = by_id.get(lead.listing_agent_id) if lead.listing_agent_id else None
    if agent and agent.id in eligible:
        listing = lead.listing_label or "the listing asked about"
        return RoutingDecision(agent.id, RULE_LISTING_AGENT, f"Listing agent of {listing}")

    turn = next_in_rotation(salespeople, eligible, last_rotation_id)
    if turn is not None:
        return RoutingDecision(turn.id, RULE_ROTATION, f"Next in rotation: {turn.name}")

    return RoutingDecision(None, RULE_MANAGER, "Nobody left to page: the manager decides")


def next_in_rotation(
    salespeople: Sequence[Salesperson],
    eligible: set[int],
    last_rotation_id: int | None,
) -> Salesperson | None:
    """The first eligible salesperson after the last one served, wrapping round."""
    order = sorted(salespeople, key=lambda person: (person.rotation_position, person.id))
    if not order:
        return None
    start = 0
    for index, person in enumerate(order):
        if person.id == last_rotation_id:
            start = index + 1
            break
    for offset in range(len(order)):
        person = order[(start + offset) % len(order)]
        if person.id in eligible:
            return person
    return None
