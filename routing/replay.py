"""Routing's inputs as JSON, so each decision is stored with what it depended on and can be
replayed and shown on the lead's page.

JSON-safe: datetimes as ISO 8601 strings, frozensets as sorted lists, tuples as lists.
Exact: ``inputs_from_json(inputs_to_json(x)) == x``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from routing.decision import (
    KnownClient,
    LeadFacts,
    OfficeRules,
    RotationState,
    RoutingDecision,
    RoutingInputs,
    Salesperson,
)
from routing.rules import choose_salesperson

FORMAT_VERSION = 1  # bump when a stored field changes meaning


def replay(data: dict[str, Any]) -> RoutingDecision:
    """The decision that stored inputs (``inputs_to_json``) give today: the same as then."""
    return choose_salesperson(inputs_from_json(data))


def inputs_to_json(inputs: RoutingInputs) -> dict[str, Any]:
    lead = inputs.lead
    return {
        "version": FORMAT_VERSION,
        "lead": {
            "kind": lead.kind,
            "caller_phone": lead.caller_phone,
            "related_phones": list(lead.related_phones),
            "asked_for_id": lead.asked_for_id,
            "also_asked_for_id": lead.also_asked_for_id,
            "declines_owner": lead.declines_owner,
            "listing_agent_id": lead.listing_agent_id,
            "listing_label": lead.listing_label,
            "area": lead.area,
            "excluded_ids": sorted(lead.excluded_ids),
        },
        "team": [
            {
                "id": person.id,
                "name": person.name,
                "rotation_position": person.rotation_position,
                "active": person.active,
                "status": person.status,
                "skills": sorted(person.skills),
            }
            for person in inputs.team
        ],
        "rotation": rotation_to_json(inputs.rotation),
        "rules": {
            "target_area": sorted(inputs.rules.target_area),
            "ownership_lapse_days": inputs.rules.ownership_lapse_days,
            "timezone": inputs.rules.timezone,
            "stand_in_needs_approval": inputs.rules.stand_in_needs_approval,
        },
        "known_clients": [
            {
                "phone": client.phone,
                "owner_id": client.owner_id,
                "last_contact_at": client.last_contact_at.isoformat(),
            }
            for client in inputs.known_clients
        ],
        "now": inputs.now.isoformat(),
    }


def inputs_from_json(data: dict[str, Any]) -> RoutingInputs:
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise ValueError(f"unknown routing inputs format {version!r}")
    lead = data["lead"]
    rules = data["rules"]
    return RoutingInputs(
        lead=LeadFacts(
            kind=lead["kind"],
            caller_phone=lead["caller_phone"],
            related_phones=tuple(lead["related_phones"]),
            asked_for_id=lead["asked_for_id"],
            # Absent from inputs stored before X1 and X2 were kept.
            also_asked_for_id=lead.get("also_asked_for_id"),
            declines_owner=lead.get("declines_owner", False),
            listing_agent_id=lead["listing_agent_id"],
            listing_label=lead["listing_label"],
            area=lead["area"],
            excluded_ids=frozenset(lead["excluded_ids"]),
        ),
        team=tuple(
            Salesperson(
                id=person["id"],
                name=person["name"],
                rotation_position=person["rotation_position"],
                active=person["active"],
                status=person["status"],
                skills=frozenset(person["skills"]),
            )
            for person in data["team"]
        ),
        rotation=rotation_from_json(data["rotation"]),
        rules=OfficeRules(
            target_area=frozenset(rules["target_area"]),
            ownership_lapse_days=rules["ownership_lapse_days"],
            timezone=rules.get("timezone"),
            stand_in_needs_approval=rules.get("stand_in_needs_approval", False),
        ),
        known_clients=tuple(
            KnownClient(
                phone=client["phone"],
                owner_id=client["owner_id"],
                last_contact_at=datetime.fromisoformat(client["last_contact_at"]),
            )
            for client in data["known_clients"]
        ),
        now=datetime.fromisoformat(data["now"]),
    )


def rotation_to_json(state: RotationState) -> dict[str, Any]:
    return {
        "last_served": [[pool, person_id] for pool, person_id in state.last_served],
        "makeup_owed": sorted(state.makeup_owed),
    }


def rotation_from_json(data: dict[str, Any]) -> RotationState:
    return RotationState(
        last_served=tuple((pool, person_id) for pool, person_id in data["last_served"]),
        makeup_owed=frozenset(data["makeup_owed"]),
    )
