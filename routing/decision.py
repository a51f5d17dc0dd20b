"""The plain data that routing takes and gives."""

from __future__ import annotations

from dataclasses import dataclass, field

# Rule names as stored with each assignment and shown to the manager.
RULE_ASKED_FOR = "asked_for"
RULE_LISTING_AGENT = "listing_agent"
RULE_ROTATION = "rotation"
RULE_MANAGER = "manager"


@dataclass(frozen=True)
class Salesperson:
    """A salesperson as routing sees them: who, in which rotation place, and reachable or not."""

    id: int
    name: str
    rotation_position: int
    active: bool = True


@dataclass(frozen=True)
class LeadFacts:
    """What the coordinator recorded that matters for routing (no client name or number)."""

    kind: str
    asked_for_id: int | None = None
    listing_agent_id: int | None = None
    listing_label: str | None = None
    excluded_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class RoutingDecision:
    """Who gets the lead, by which rule, and a sentence a manager can read."""

    salesperson_id: int | None
    rule: str
    reason: str
