"""Round robin within a pool, with make-up turns kept as explicit state (Q1-Q4).

The manager's order is (rotation_position, id). A normal turn goes to the first available
member after the one who took the pool's last normal turn, wrapping round; everyone
passed over because they were busy or on an errand is owed ONE make-up turn (a set, so
however many turns they missed). A member owed a make-up turn who is available again
takes the next lead of any pool they belong to, before the normal order, which then
resumes where it was (Q3).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

from routing.decision import (
    BUSY,
    ERRAND,
    IN_OFFICE,
    OUT,
    POOL_NEW,
    POOL_OFFICE,
    POOL_RENTAL,
    POOL_SELLER,
    SKILL_NEW,
    SKILL_RENTAL,
    SKILL_SELLER,
    RotationState,
    Salesperson,
)

# The skill a salesperson needs to be in each pool; the office pool takes everyone.
POOL_SKILLS: dict[str, str | None] = {
    POOL_OFFICE: None,
    POOL_SELLER: SKILL_SELLER,
    POOL_RENTAL: SKILL_RENTAL,
    POOL_NEW: SKILL_NEW,
}

AVAILABLE_STATUSES = frozenset({IN_OFFICE, OUT})
# On shift but not taking new turns: skipped, and owed a make-up turn (Q3).
SKIPPED_STATUSES = frozenset({BUSY, ERRAND})


def is_available(person: Salesperson, excluded_ids: Collection[int]) -> bool:
    """Active, on shift and free (in the office or out showing), and not already tried."""
    return person.active and person.status in AVAILABLE_STATUSES and person.id not in excluded_ids


def owes_makeup_if_passed(person: Salesperson, excluded_ids: Collection[int]) -> bool:
    """Passed over because busy or on an errand (Q3); the excluded, the inactive and those
    off shift lose nothing they were entitled to, so they are owed nothing."""
    return person.active and person.status in SKIPPED_STATUSES and person.id not in excluded_ids


# The manager's order; attrgetter keeps the per-decision sort in C.
order_key = attrgetter("rotation_position", "id")


def pool_members(team: Sequence[Salesperson], pool: str) -> list[Salesperson]:
    """The pool's members in the manager's order, whatever their status today."""
    skill = POOL_SKILLS[pool]
    members = list(team) if skill is None else [p for p in team if skill in p.skills]
    members.sort(key=order_key)  # the team usually comes in order: Timsort is then linear
    return members


@dataclass(frozen=True)
class Turn:
    """Who takes the lead from a pool, whether it is their make-up turn, and the rotation
    state afterwards (the input state when the lead is not a turn, Q4)."""

    salesperson: Salesperson
    makeup: bool
    rotation_after: RotationState


def next_turn(
    pool: str,
    members: Sequence[Salesperson],
    rotation: RotationState,
    *,
    excluded_ids: Collection[int],
    by_id: Mapping[int, Salesperson],
    counts_as_turn: bool = True,
) -> Turn | None:
    """The next turn in ``pool`` (``members`` in the manager's order), or None when no
    member is available. With ``counts_as_turn=False`` (a returning client whose owner is
    away, Q4) the same person is chosen but the rotation state is returned unchanged."""
    if not members:
        return None
    makeup = _makeup_turn(members, rotation, excluded_ids=excluded_ids, by_id=by_id)
    if makeup is not None:
        after = RotationState(rotation.last_served, rotation.makeup_owed - {makeup.id})
        return Turn(makeup, True, after if counts_as_turn else rotation)

    start = _start_index(members, rotation.last_in(pool), by_id)
    count = len(members)
    passed_busy: list[int] = []
    for offset in range(count):
        person = members[(start + offset) % count]
        if is_available(person, excluded_ids):
            break
        if owes_makeup_if_passed(person, excluded_ids):
            passed_busy.append(person.id)
    else:
        return None  # nobody took a turn, so nobody missed one
    if not counts_as_turn:
        return Turn(person, False, rotation)
    served = dict(rotation.last_served)
    served[pool] = person.id
    after = RotationState(
        last_served=tuple(sorted(served.items())),
        makeup_owed=rotation.makeup_owed.union(passed_busy),
    )
    return Turn(person, False, after)


def _makeup_turn(
    members: Sequence[Salesperson],
    rotation: RotationState,
    *,
    excluded_ids: Collection[int],
    by_id: Mapping[int, Salesperson],
) -> Salesperson | None:
    """The first member in the manager's order who is owed a make-up turn and is back."""
    back = [
        person
        for person_id in rotation.makeup_owed
        if (person := by_id.get(person_id)) is not None and is_available(person, excluded_ids)
    ]
    if not back:
        return None
    member_ids = {person.id for person in members}
    owed = [person for person in back if person.id in member_ids]
    return min(owed, key=order_key, default=None)


def _start_index(
    members: Sequence[Salesperson], last_id: int | None, by_id: Mapping[int, Salesperson]
) -> int:
    """Where the walk starts: just after the last served. If they have left the pool but
    are still on the team, just after the place their position gives them; if they are
    gone altogether, at the start of the order."""
    if last_id is None:
        return 0
    last = by_id.get(last_id)
    if last is None:
        return 0
    return bisect_right(members, order_key(last), key=order_key) % len(members)
