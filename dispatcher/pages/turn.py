"""TURN: a salesperson's place in the rotations they belong to, and whether a make-up
turn is owed to them (Q1-Q3), read from the same records and rules routing uses."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dispatcher.leads.routing_inputs import last_served, team_and_owed
from dispatcher.models import Salesperson as SalespersonRow
from routing.decision import (
    BUSY,
    ERRAND,
    OFF_SHIFT,
    POOL_NEW,
    POOL_OFFICE,
    POOL_RENTAL,
    POOL_SELLER,
    RotationState,
)
from routing.place import turns_before
from routing.rotation import POOL_SKILLS, pool_members

# The rotations by name, in the order the reply names them.
POOL_NAMES = {
    POOL_OFFICE: "the office rotation",
    POOL_SELLER: "the sellers' rotation",
    POOL_RENTAL: "the rentals' rotation",
    POOL_NEW: "the rotation for leads outside the target area",
}
AWAY = {
    BUSY: "marked busy with a returning client",
    ERRAND: "marked on an errand",
    OFF_SHIFT: "off shift",
}


def turn_answer(*, session: Session, person: SalespersonRow) -> str:
    """'You are 3rd in the office rotation: 2 leads go to others first.' and the like."""
    everyone, owed_ids = team_and_owed(session=session, office_id=person.office_id)
    rotation = RotationState(
        last_served=last_served(session=session, office_id=person.office_id),
        makeup_owed=owed_ids,
    )
    by_id = {member.id: member for member in everyone}
    me = by_id[person.id]
    owed = person.id in rotation.makeup_owed
    if not me.active or me.status in AWAY:
        why = AWAY.get(me.status, "not taking pages (ask the manager)")
        if not person.active:
            why = "not active (ask the manager)"
        elif person.sms_opted_out:
            why = "opted out of pages (text START)"
        said = f"You are {why}: the rotation skips you."
        if owed:
            said += " You are owed a make-up turn: the first lead you can take when you are back."
        return said
    places = []
    for pool in POOL_NAMES:
        skill = POOL_SKILLS[pool]
        if skill is not None and skill not in me.skills:
            continue
        before = turns_before(
            pool,
            pool_members(everyone, pool),
            rotation,
            salesperson_id=person.id,
            by_id=by_id,
        )
        if before is not None:
            places.append((pool, before))
    said = [_place(*place) for place in places[:1]]
    said += [_place(*place, short=True) for place in places[1:]]
    if owed:
        said.append("You are owed a make-up turn: you take the next lead you can.")
    return " ".join(said) or "You are in no rotation now."


def _place(pool: str, before: int, *, short: bool = False) -> str:
    where = POOL_NAMES[pool]
    if before == 0:
        return f"You are next in {where}."
    if short:
        return f"In {where} you are {_ordinal(before + 1)}."
    others = "1 lead goes" if before == 1 else f"{before} leads go"
    return f"You are {_ordinal(before + 1)} in {where}: {others} to others first."


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
