"""TURN: a salesperson's place in the rotations they belong to, and whether a make-up
turn is owed to them (Q1-Q3), read from the same records and rules routing uses."""

from __future__ import annotations

from flask_babel import get_locale, gettext, ngettext
from sqlalchemy.orm import Session

from dispatcher.language import N_, sentences
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
    POOL_OFFICE: N_("the office rotation"),
    POOL_SELLER: N_("the sellers' rotation"),
    POOL_RENTAL: N_("the rentals' rotation"),
    POOL_NEW: N_("the rotation for leads outside the target area"),
}
AWAY = {
    BUSY: N_("marked busy with a returning client"),
    ERRAND: N_("marked on an errand"),
    OFF_SHIFT: N_("off shift"),
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
        why = gettext(AWAY.get(me.status, N_("not taking pages (ask the manager)")))
        if not person.active:
            why = gettext("not active (ask the manager)")
        elif person.sms_opted_out:
            why = gettext("opted out of pages (text START)")
        said = gettext("You are %(why)s: the rotation skips you.", why=why)
        if owed:
            said = sentences(
                said,
                gettext(
                    "You are owed a make-up turn: the first lead you can take when you are back."
                ),
            )
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
        said.append(gettext("You are owed a make-up turn: you take the next lead you can."))
    return sentences(*said) or gettext("You are in no rotation now.")


def _place(pool: str, before: int, *, short: bool = False) -> str:
    said = {"where": gettext(POOL_NAMES[pool]), "nth": _ordinal(before + 1)}
    if before == 0:
        return gettext("You are next in %(where)s.", **said)
    if short:
        return gettext("In %(where)s you are %(nth)s.", **said)
    return ngettext(
        "You are %(nth)s in %(where)s: %(num)d lead goes to others first.",
        "You are %(nth)s in %(where)s: %(num)d leads go to others first.",
        before,
        **said,
    )


def _ordinal(n: int) -> str:
    """3rd in English; the number alone in a language whose sentence says it (第3位)."""
    locale = get_locale()
    if locale is not None and locale.language != "en":
        return str(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
