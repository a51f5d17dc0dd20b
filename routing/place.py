"""A salesperson's place in a rotation: how many turns go to others before theirs (the
TURN reply). Pure, and walked with the rotation's own next_turn, so it cannot disagree
with the turns routing will give."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from routing.decision import RotationState, Salesperson
from routing.rotation import next_turn


def turns_before(
    pool: str,
    members: Sequence[Salesperson],
    rotation: RotationState,
    *,
    salesperson_id: int,
    by_id: Mapping[int, Salesperson],
) -> int | None:
    """How many of ``pool``'s turns go to others before ``salesperson_id``'s, if the team
    stays as it is now (make-up turns included); None when the rotation would never come
    to them (not a member, or not available)."""
    state = rotation
    # Each round is a make-up turn (one fewer owed) or a normal one (the pointer moves
    # on): every available member is reached within this many.
    for taken in range(len(members) + len(rotation.makeup_owed) + 1):
        turn = next_turn(pool, members, state, excluded_ids=frozenset(), by_id=by_id)
        if turn is None:
            return None
        if turn.salesperson.id == salesperson_id:
            return taken
        state = turn.rotation_after
    return None
