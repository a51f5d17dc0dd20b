"""Who owns a client, folded from the client's ownership log (docs/rules.md O1, O4-O10, O12, X7).

Pure: the log's entries in, the ownership out; ``now`` comes in, nothing reads a clock.
The database keeps the fold's result on each client (dispatcher/clients/ownership.py) and a
test replays every log from empty to check it, so the log stays the one truth.

Days are counted on the office's calendar, in its time zone: a follow-up on 1 March keeps
the client through day 20 (21 March, whatever the hour) and the ownership lapses on day 21,
across a daylight-saving change too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# What an entry of the ownership log records (ClientEvent.kind), in the office's words.
FIRST_CONTACT = "first_contact"  # O1: the salesperson who first received a new client
NAMED = "named"  # O4: the caller named a salesperson (or was brought by a client who did)
FOLLOW_UP = "follow_up"  # O6: a call, visit or message to the client by a salesperson
SERVED = "served"  # O5: a colleague served an absent owner's client; the owner keeps it
DEPOSIT = "deposit"  # O7: the client paid a deposit; the closer owns them after the window
DISPUTE_RAISED = "dispute_raised"  # O7: a salesperson claims the client
OWNER_SET = "owner_set"  # the manager's decision: a dispute, bad service, a hand-over...
OWNERSHIP_KINDS = (FIRST_CONTACT, NAMED, FOLLOW_UP, SERVED, DEPOSIT, DISPUTE_RAISED, OWNER_SET)

# Why the manager set an owner (the ``reason`` of OWNER_SET), each with its rule.
BY_DISPUTE = "dispute"  # O7: decided from the original records, with a split
BY_BAD_SERVICE = "bad_service"  # O8: the first salesperson loses any share
BY_HANDOVER = "handover"  # O10: the owner left the office
BY_DESIGNATION = "designated"  # O12: designated by the manager or a developer, by rotation
BY_DEVELOPER = "developer_referral"  # X7: served on site, at a 50% share
BY_MANAGER = "manager"  # O8 (other reasons), X2: the manager decides
BY_CARRIED_OVER = "carried_over"  # the migration's guess from acknowledgements (README)
REASONS = (
    BY_DISPUTE,
    BY_BAD_SERVICE,
    BY_HANDOVER,
    BY_DESIGNATION,
    BY_DEVELOPER,
    BY_MANAGER,
    BY_CARRIED_OVER,
)


@dataclass(frozen=True)
class OwnershipRules:
    lapse_days: int = 20  # O6
    dispute_days: int = 3  # O7: after the deposit
    timezone: str = "UTC"


@dataclass(frozen=True)
class OwnershipEntry:
    """One entry of a client's ownership log, as ownership reads it."""

    kind: str
    at: datetime  # UTC, naive
    salesperson_id: int | None = None
    reason: str = ""
    # Percentages by salesperson id, summing to 100 (O7); empty: all to the owner.
    shares: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Ownership:
    """A client's ownership after its log: what is kept on the client's record."""

    owner_id: int | None = None
    since: datetime | None = None
    last_follow_up_at: datetime | None = None  # the owner's latest contact (O6)
    shares: tuple[tuple[int, int], ...] = ()
    deposit_at: datetime | None = None
    closer_id: int | None = None
    disputed: bool = False  # a dispute raised in the window and not yet decided
    lapsed_owner_id: int | None = None  # whose ownership lapsed last (shown, not owning)

    def owner_at(self, now: datetime, rules: OwnershipRules) -> int | None:
        """The owner at ``now``: the closer once the dispute window has passed undisputed
        (O7); nobody once the owner has not followed the client up for too long (O6)."""
        return current(self, now, rules).owner_id


def local_day(at: datetime, timezone: str) -> date:
    """The office's calendar day of a UTC instant."""
    return at.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).date()


def days_between(earlier: datetime, later: datetime, timezone: str) -> int:
    """Calendar days from one instant to a later one, on the office's calendar."""
    return (local_day(later, timezone) - local_day(earlier, timezone)).days


def lapsed(last_follow_up_at: datetime, now: datetime, *, lapse_days: int, timezone: str) -> bool:
    """O6: day ``lapse_days`` after the last follow-up still counts, the day after does not."""
    return days_between(last_follow_up_at, now, timezone) > lapse_days


def dispute_window_open(deposit_at: datetime, now: datetime, rules: OwnershipRules) -> bool:
    """O7: a dispute may be raised until ``dispute_days`` days after the deposit, that day
    included."""
    return days_between(deposit_at, now, rules.timezone) <= rules.dispute_days


def current(state: Ownership, now: datetime, rules: OwnershipRules) -> Ownership:
    """The ownership at ``now``: the time rules (O7's window, O6's lapse) applied."""
    if (
        state.deposit_at is not None
        and state.closer_id is not None
        and not state.disputed
        and state.owner_id != state.closer_id
        and not dispute_window_open(state.deposit_at, now, rules)
    ):
        # After the window, undisputed: the client belongs to the closer (O7), alone.
        state = replace(
            state,
            owner_id=state.closer_id,
            since=state.deposit_at,
            last_follow_up_at=max(state.last_follow_up_at or state.deposit_at, state.deposit_at),
            shares=(),
        )
    if (
        state.owner_id is not None
        and state.last_follow_up_at is not None
        and lapsed(
            state.last_follow_up_at, now, lapse_days=rules.lapse_days, timezone=rules.timezone
        )
    ):
        return replace(state, owner_id=None, shares=(), lapsed_owner_id=state.owner_id)
    return state


def apply(state: Ownership, entry: OwnershipEntry, rules: OwnershipRules) -> Ownership:
    """The ownership after one more entry of the log (entries come in time order)."""
    state = current(state, entry.at, rules)
    person = entry.salesperson_id
    if entry.kind in (FIRST_CONTACT, NAMED):
        if state.owner_id is None or (entry.kind == NAMED and state.owner_id == person):
            return _owned_by(state, person, entry.at)
        return state  # a valid owner keeps the client: a named other goes to the manager (X2)
    if entry.kind == FOLLOW_UP:
        if person is not None and person == state.owner_id:
            return replace(state, last_follow_up_at=entry.at)
        return state  # a stand-in's contact keeps nobody's ownership alive (O5)
    if entry.kind == SERVED:
        return state  # O5: the owner keeps the client
    if entry.kind == DEPOSIT:
        return replace(state, deposit_at=entry.at, closer_id=person, disputed=False)
    if entry.kind == DISPUTE_RAISED:
        return replace(state, disputed=True)
    if entry.kind == OWNER_SET:
        owned = _owned_by(state, person, entry.at)
        return replace(
            owned,
            shares=entry.shares,
            disputed=False,
            # Settled by the manager: the closer's claim after the window is decided too.
            closer_id=person if state.deposit_at is not None else state.closer_id,
        )
    raise ValueError(f"unknown ownership entry {entry.kind!r}")


def replay(entries: Iterable[OwnershipEntry], rules: OwnershipRules) -> Ownership:
    """A client's ownership from their whole log, from empty."""
    state = Ownership()
    for entry in entries:
        state = apply(state, entry, rules)
    return state


def check_shares(shares: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """O7's split: whole percentages, each 1-99 for two or more people, summing to 100.
    Raises ValueError with words for the manager."""
    split = tuple(shares)
    people = [person for person, _ in split]
    if len(set(people)) != len(people):
        raise ValueError("Each salesperson once in a split.")
    if any(not 0 < percent <= 100 for _, percent in split):
        raise ValueError("Each share is a whole percentage from 1 to 100.")
    if split and sum(percent for _, percent in split) != 100:
        raise ValueError("The shares must add up to 100.")
    return tuple(sorted(split, key=lambda share: -share[1]))


def _owned_by(state: Ownership, person: int | None, at: datetime) -> Ownership:
    return replace(
        state,
        owner_id=person,
        since=at,
        last_follow_up_at=at,
        shares=(),
        lapsed_owner_id=None,
    )
