"""The office's rules for choosing a salesperson, in order (issue 4; docs/rules.md C2, C3, C5,
O1, O4-O6, O9, Q1-Q4):

1. asked for by name (C3, O4): that salesperson whatever their status; of several names,
   the first who is in the office, else the first (X1); a named salesperson who cannot be
   paged (inactive, or opted out of SMS) still owns the caller: the manager decides, and
   never by a rotation turn;
2. a returning client whose ownership is still valid (O1, O6, O9): the owner, if free;
   a client who would rather not have them goes to the manager with the reason (X2);
   if the owner is away the next rules pick who serves (or the manager approves who, when
   the office asks for it), the owner keeps the client (O5) and the lead is not a
   rotation turn (Q4);
3. a buyer or renter asking about a listing: its agent (C2);
4. a seller: the seller specialists; a renter or landlord: the rental ones, in rotation;
5. outside the target area: the new salespeople, in rotation;
6. the office rotation (Q1-Q3);
and the manager when nobody is left.

Plain data in, a decision out; ``now`` comes in with the inputs, nothing reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from routing.decision import (
    IN_OFFICE,
    POOL_NEW,
    POOL_OFFICE,
    POOL_RENTAL,
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
    RoutingDecision,
    RoutingInputs,
    Salesperson,
)
from routing.ownership import lapsed
from routing.rotation import Turn, is_available, next_turn, pool_members

LISTING_KINDS = frozenset({"buyer", "renter"})  # C2: the listing's agent serves them
SPECIALIST_POOLS = {"seller": POOL_SELLER, "renter": POOL_RENTAL, "landlord": POOL_RENTAL}
MAKEUP_WHY = "after being busy or on an errand"


def choose_salesperson(
    inputs: RoutingInputs, *, clients: Mapping[str, KnownClient] | None = None
) -> RoutingDecision:
    """Who serves the lead, by which rule and why, and the rotation state afterwards.

    ``clients`` maps E.164 numbers to known clients for a fast look-up; without it the
    look-up uses ``inputs.known_clients``. Store ``known_clients_for(lead, clients)`` in
    the inputs so that the decision replays the same from them alone.
    """
    lead, rotation = inputs.lead, inputs.rotation
    by_id = {person.id: person for person in inputs.team}

    asked = first_named(lead, by_id)
    if asked is not None and asked.id not in lead.excluded_ids:
        if not asked.active:
            reason = f"Caller asked for {asked.name}, who cannot be paged: the manager decides"
            return RoutingDecision(None, RULE_MANAGER, reason, rotation, owner_id=asked.id)
        return _asked_for(asked, inputs)

    if clients is None:
        clients = clients_by_phone(inputs.known_clients)
    found = find_owner(lead, clients, by_id, now=inputs.now, rules=inputs.rules)
    away: Salesperson | None = None
    if found is not None:
        owner, client = found
        if lead.declines_owner:
            reason = f"Returning client of {owner.name} asked for someone else: the manager decides"
            return RoutingDecision(None, RULE_MANAGER, reason, rotation, owner_id=owner.id)
        if is_available(owner, lead.excluded_ids):
            since = _since(client.last_contact_at, inputs.now)
            reason = f"Returning client of {owner.name} (last contact {since})"
            return RoutingDecision(owner.id, RULE_OWNER, reason, rotation)
        away = owner  # O5: someone else serves, the owner keeps the client
        if inputs.rules.stand_in_needs_approval:
            reason = (
                f"{owner.name}'s returning client, {owner.name} away: "
                "the manager approves who serves"
            )
            return RoutingDecision(None, RULE_MANAGER, reason, rotation, owner_id=owner.id)

    serving = f", serving {away.name}'s returning client" if away else ""
    owner_id = away.id if away else None

    agent = by_id.get(lead.listing_agent_id) if lead.listing_agent_id is not None else None
    if lead.kind in LISTING_KINDS and agent is not None and is_available(agent, lead.excluded_ids):
        listing = lead.listing_label or "the listing asked about"
        reason = f"Listing agent of {listing}{serving}"
        return RoutingDecision(agent.id, RULE_LISTING_AGENT, reason, rotation, owner_id=owner_id)

    for pool, rule, describe in _rotation_rules(lead, inputs.rules):
        turn = next_turn(
            pool,
            pool_members(inputs.team, pool),
            rotation,
            excluded_ids=lead.excluded_ids,
            by_id=by_id,
            counts_as_turn=away is None,
        )
        if turn is None:
            continue  # nobody free in this pool: the next rule
        words = _makeup_words(turn, counted=away is None)
        reason = describe(turn.salesperson.name, words) + serving
        if away is not None:
            reason += "; not counted as a rotation turn"
        return RoutingDecision(
            turn.salesperson.id, rule, reason, turn.rotation_after, owner_id=owner_id
        )

    if away is not None:
        reason = f"Nobody available for {away.name}'s returning client: the manager decides"
    else:
        reason = "Nobody available: the manager decides"
    return RoutingDecision(None, RULE_MANAGER, reason, rotation, owner_id=owner_id)


def clients_by_phone(known_clients: Iterable[KnownClient]) -> dict[str, KnownClient]:
    """One client per number; if a number comes twice, its latest contact counts."""
    found: dict[str, KnownClient] = {}
    for client in known_clients:
        held = found.get(client.phone)
        if held is None or client.last_contact_at >= held.last_contact_at:
            found[client.phone] = client
    return found


def known_clients_for(
    lead: LeadFacts, clients: Mapping[str, KnownClient]
) -> tuple[KnownClient, ...]:
    """The known clients among the lead's numbers: what to store in RoutingInputs."""
    return tuple(
        client
        for phone in dict.fromkeys(_lead_phones(lead))
        if (client := clients.get(phone)) is not None
    )


def find_owner(
    lead: LeadFacts,
    clients: Mapping[str, KnownClient],
    by_id: Mapping[int, Salesperson],
    *,
    now: datetime,
    rules: OfficeRules,
) -> tuple[Salesperson, KnownClient] | None:
    """The owner of the caller, or else of a family member (O9), whose ownership has not
    lapsed (O6: last contact at most ``ownership_lapse_days`` ago, the boundary day
    included). A client whose owner is no longer on the team counts as new."""
    for phone in _lead_phones(lead):
        client = clients.get(phone)
        if client is None or _lapsed(client.last_contact_at, now, rules):
            continue
        owner = by_id.get(client.owner_id)
        if owner is not None:
            return owner, client
    return None


def first_named(lead: LeadFacts, by_id: Mapping[int, Salesperson]) -> Salesperson | None:
    """X1: of the salespeople the caller named, the first who is in the office and can be
    paged, else the first named (still on the team)."""
    named = [
        by_id[person_id]
        for person_id in (lead.asked_for_id, lead.also_asked_for_id)
        if person_id is not None and person_id in by_id
    ]
    for person in named:
        if person.active and person.status == IN_OFFICE and person.id not in lead.excluded_ids:
            return person
    return named[0] if named else None


def _lapsed(last_contact_at: datetime, now: datetime, rules: OfficeRules) -> bool:
    if rules.timezone is None:  # stored before days were counted on the office's calendar
        return now - last_contact_at > timedelta(days=rules.ownership_lapse_days)
    return lapsed(
        last_contact_at, now, lapse_days=rules.ownership_lapse_days, timezone=rules.timezone
    )


def outside_target_area(area: str | None, rules: OfficeRules) -> bool:
    """True when the office has a target area and the lead's area is given and not in it
    (compared without case or surrounding spaces)."""
    if not rules.target_area or not area or not area.strip():
        return False
    wanted = area.strip().casefold()
    return all(wanted != own.strip().casefold() for own in rules.target_area)


def _asked_for(person: Salesperson, inputs: RoutingInputs) -> RoutingDecision:
    """C3: the named salesperson, in or not; the script never says why they are out."""
    script = None
    if person.status != IN_OFFICE:
        script = f"{person.name} is not in the office right now, may I take a message?"
    return RoutingDecision(
        person.id,
        RULE_ASKED_FOR,
        f"Caller asked for {person.name}",
        inputs.rotation,
        script=script,
        manager_decides_on_miss=True,
    )


def _rotation_rules(lead: LeadFacts, rules: OfficeRules):
    """The rotation rules that apply to this lead, in order: (pool, rule, describe), where
    describe(name, makeup_words) gives the reason."""
    pool = SPECIALIST_POOLS.get(lead.kind)
    if pool == POOL_SELLER:
        yield pool, RULE_SPECIALIST, "Seller specialist in rotation: {}{}".format
    elif pool == POOL_RENTAL:
        yield pool, RULE_SPECIALIST, "Rental specialist in rotation: {}{}".format
    if outside_target_area(lead.area, rules):
        prefix = f"Outside the target area ({lead.area.strip()}): new salesperson"
        yield (
            POOL_NEW,
            RULE_NEW_SALESPEOPLE,
            lambda name, makeup: f"{prefix} {name}{makeup or ' in rotation'}",
        )
    yield POOL_OFFICE, RULE_ROTATION, "Next in rotation: {}{}".format


def _makeup_words(turn: Turn, *, counted: bool) -> str:
    if not turn.makeup:
        return ""
    if counted:
        return f"'s make-up turn {MAKEUP_WHY}"
    return " (owed a make-up turn, kept for later)"


def _since(last_contact_at: datetime, now: datetime) -> str:
    days = (now - last_contact_at).days
    if days <= 0:
        return "today"
    return "1 day ago" if days == 1 else f"{days} days ago"


def _lead_phones(lead: LeadFacts) -> Iterable[str]:
    if lead.caller_phone:
        yield lead.caller_phone
    yield from (phone for phone in lead.related_phones if phone)
