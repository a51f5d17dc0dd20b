"""Who owns a client, folded from their log (routing/ownership.py; docs/rules.md O1, O4-O8,
O10): each rule at its edge days on the office's calendar, and across a daylight-saving
change. Pure: entries in, ownership out."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.ownership import (
    BY_BAD_SERVICE,
    BY_DISPUTE,
    DEPOSIT,
    DISPUTE_RAISED,
    FIRST_CONTACT,
    FOLLOW_UP,
    NAMED,
    OWNER_SET,
    SERVED,
    OwnershipEntry,
    OwnershipRules,
    apply,
    check_shares,
    current,
    dispute_window_open,
    replay,
)

ALICE, BRUNO, CHEN = 1, 2, 3
NEW_YORK = OwnershipRules(lapse_days=20, dispute_days=3, timezone="America/New_York")
# 23:30 in New York on Monday 2 November 2026 (UTC-5, the day after the clocks went back).
LATE = datetime(2026, 11, 3, 4, 30)


def entry(kind, at, who=None, **more):
    return OwnershipEntry(kind, at, who, **more)


def owner(entries, now, rules=NEW_YORK):
    return current(replay(entries, rules), now, rules).owner_id


def test_the_first_to_receive_a_client_owns_them():
    first = [entry(FIRST_CONTACT, LATE, ALICE), entry(FIRST_CONTACT, LATE, BRUNO)]
    assert owner(first, LATE) == ALICE


@pytest.mark.parametrize(
    ("days_later", "still_owned"),
    [(20, True), (21, False)],
    ids=["day 20: still the owner's", "day 21: lapsed"],
)
def test_ownership_lapses_on_the_office_calendar(days_later, still_owned):
    """O6: the 23:30 follow-up and the 00:10 call are on different days in New York,
    though 40 minutes apart; the hours in between do not count, the calendar does."""
    log = [entry(FIRST_CONTACT, LATE, ALICE)]
    # 00:10 in New York, `days_later` calendar days after the 23:30 follow-up.
    call = LATE + timedelta(days=days_later - 1, minutes=40)
    assert owner(log, call) == (ALICE if still_owned else None)


def test_the_lapse_counts_calendar_days_across_the_clocks_going_back():
    """A follow-up on 20 October (UTC-4) keeps the client through 9 November (UTC-5):
    day 20, though 20 days and one hour of clock time have passed."""
    followed = datetime(2026, 10, 20, 15, 0)  # 11:00 in New York
    day_20 = datetime(2026, 11, 9, 16, 0)  # 11:00 in New York: 20 days and 1 hour later
    day_21 = datetime(2026, 11, 10, 5, 0)  # 00:00 in New York
    log = [entry(FIRST_CONTACT, followed, ALICE)]
    assert owner(log, day_20) == ALICE
    assert owner(log, day_21) is None


def test_a_lapsed_client_counts_as_new_and_goes_to_whoever_receives_them():
    log = [
        entry(FIRST_CONTACT, LATE, ALICE),
        entry(FIRST_CONTACT, LATE + timedelta(days=30), BRUNO),
    ]
    assert owner(log, LATE + timedelta(days=30)) == BRUNO


def test_the_owners_follow_up_keeps_the_client_a_colleagues_does_not():
    log = [
        entry(FIRST_CONTACT, LATE, ALICE),
        entry(FOLLOW_UP, LATE + timedelta(days=15), BRUNO),
        entry(FOLLOW_UP, LATE + timedelta(days=10), ALICE),
    ]
    assert owner(log, LATE + timedelta(days=30)) == ALICE  # 20 days after Alice's
    assert owner(log, LATE + timedelta(days=31)) is None


def test_a_stand_in_never_becomes_the_owner():
    """O5: Bruno serves Alice's client while she is away; she keeps the client."""
    log = [entry(FIRST_CONTACT, LATE, ALICE)] + [
        entry(SERVED, LATE + timedelta(days=day), BRUNO) for day in range(1, 6)
    ]
    assert owner(log, LATE + timedelta(days=6)) == ALICE


def test_a_named_salesperson_owns_a_new_caller_but_not_a_colleagues_client():
    assert owner([entry(NAMED, LATE, CHEN)], LATE) == CHEN
    kept = [entry(FIRST_CONTACT, LATE, ALICE), entry(NAMED, LATE + timedelta(days=1), CHEN)]
    assert owner(kept, LATE + timedelta(days=1)) == ALICE  # X2: the manager decides


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (datetime(2026, 11, 3, 4, 59), True),  # 23:59 on 2 November in New York: day 3
        (datetime(2026, 11, 3, 5, 0), False),  # 00:00 on 3 November: day 4
    ],
    ids=["day 3, last minute", "day 4, first minute"],
)
def test_a_dispute_may_be_raised_until_day_3_after_the_deposit(at, open_):
    """O7, across the clocks going back on 1 November (UTC-4, then UTC-5)."""
    deposit = datetime(2026, 10, 30, 23, 0)  # 19:00 on 30 October in New York
    assert dispute_window_open(deposit, at, NEW_YORK) is open_


def test_after_the_window_undisputed_the_closer_owns_the_client():
    log = [entry(FIRST_CONTACT, LATE, ALICE), entry(DEPOSIT, LATE + timedelta(days=5), BRUNO)]
    assert owner(log, LATE + timedelta(days=8)) == ALICE  # day 3: still disputable
    assert owner(log, LATE + timedelta(days=9)) == BRUNO  # day 4: the closer's


def test_a_dispute_raised_in_time_waits_for_the_manager_who_sets_the_split():
    log = [
        entry(FIRST_CONTACT, LATE, ALICE),
        entry(DEPOSIT, LATE + timedelta(days=5), BRUNO),
        entry(DISPUTE_RAISED, LATE + timedelta(days=6), ALICE),
    ]
    assert owner(log, LATE + timedelta(days=12)) == ALICE  # no closer's claim while disputed
    decided = log + [
        entry(
            OWNER_SET,
            LATE + timedelta(days=13),
            BRUNO,
            reason=BY_DISPUTE,
            shares=((BRUNO, 60), (ALICE, 40)),
        )
    ]
    state = current(replay(decided, NEW_YORK), LATE + timedelta(days=14), NEW_YORK)
    assert (state.owner_id, state.shares) == (BRUNO, ((BRUNO, 60), (ALICE, 40)))


def test_a_move_for_bad_service_drops_the_first_salespersons_share():
    split = entry(OWNER_SET, LATE, ALICE, reason=BY_DISPUTE, shares=((ALICE, 50), (BRUNO, 50)))
    moved = entry(OWNER_SET, LATE + timedelta(days=1), BRUNO, reason=BY_BAD_SERVICE)
    state = replay([split, moved], NEW_YORK)
    assert (state.owner_id, state.shares) == (BRUNO, ())


@pytest.mark.parametrize(
    "shares", [((1, 80), (2, 20)), ((1, 50), (2, 50)), ((1, 60), (2, 40)), ((1, 100),)]
)
def test_any_split_that_sums_to_100_is_accepted(shares):
    assert sum(percent for _, percent in check_shares(shares)) == 100


@pytest.mark.parametrize(
    ("shares", "words"),
    [
        (((1, 80), (2, 30)), "add up to 100"),
        (((1, 0), (2, 100)), "from 1 to 100"),
        (((1, 50), (1, 50)), "once"),
    ],
)
def test_a_split_that_does_not_sum_to_100_is_refused(shares, words):
    with pytest.raises(ValueError, match=words):
        check_shares(shares)


KINDS = st.sampled_from(
    [FIRST_CONTACT, NAMED, FOLLOW_UP, SERVED, DEPOSIT, DISPUTE_RAISED, OWNER_SET]
)


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(KINDS, st.integers(0, 30 * 24), st.sampled_from([ALICE, BRUNO, CHEN])),
        max_size=12,
    )
)
def test_folding_entry_by_entry_is_replaying_the_log(steps):
    """What the database keeps (one entry folded at a time) is what a replay from empty
    gives, and an owner is always someone who received, was named, closed or was set."""
    at, state, entries = LATE, replay([], NEW_YORK), []
    for kind, hours, who in steps:
        at += timedelta(hours=hours)
        new = entry(kind, at, who)
        entries.append(new)
        state = apply(state, new, NEW_YORK)
    assert state == replay(entries, NEW_YORK)
    claimed = {
        e.salesperson_id for e in entries if e.kind in (FIRST_CONTACT, NAMED, DEPOSIT, OWNER_SET)
    }
    assert state.owner_id is None or state.owner_id in claimed
