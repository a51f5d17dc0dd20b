"""The dashboard's arithmetic, without a database: a bucket stands for its times, packed
counts add back up, the fewest rollups cover a range, and the generated records' random
moments fall inside their days."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dispatcher.dashboard import rollups as dashboard_rollups
from dispatcher.dashboard.period import period_for
from dispatcher.dashboard.tally import OUTCOME, RESPONSE, Tally, _pack
from tests.dashboard_records import FIRST_DAY, LAST_DAY, TZ, days_between, random_moment


@given(st.integers(min_value=0, max_value=400 * 86400))
def test_a_bucket_stands_for_its_times_to_the_second_then_within_one_percent(seconds):
    for buckets in (RESPONSE, OUTCOME):
        value = buckets.value(buckets.key(seconds))
        if seconds < buckets.exact_below:
            assert value == seconds
        else:
            assert abs(value - seconds) <= 0.01 * seconds


@given(st.integers(min_value=-5, max_value=10**7), st.integers(min_value=-5, max_value=10**7))
def test_buckets_keep_the_order_of_times(a, b):
    for buckets in (RESPONSE, OUTCOME):
        if a <= b:
            assert buckets.key(a) <= buckets.key(b)


@given(st.lists(st.integers(min_value=0, max_value=2**40), max_size=60))
def test_packed_counts_add_back_up(counts):
    tally = Tally()
    tally.salesperson(1).response = list(counts)
    total = Tally()
    total.add(tally)
    total.add(tally)
    doubled = [2 * n for n in counts]
    while doubled and not doubled[-1]:
        doubled.pop()
    assert total.salesperson(1).response == doubled
    packed = _pack(counts)
    assert packed == [] or counts[packed[0]]


def test_a_random_moment_is_inside_the_generated_days():
    rng = random.Random(4)
    period = period_for(FIRST_DAY, LAST_DAY, TZ)
    assert all(period.start <= random_moment(rng) < period.end for _ in range(500))


def test_the_fewest_rollups_cover_a_range_and_the_rest_is_read_from_the_records():
    period = period_for(date(2026, 10, 30), date(2026, 12, 2), TZ)
    day = lambda d: (d.toordinal(), d, d)  # noqa: E731
    rollups = [
        day(date(2026, 10, 30)),
        (1, date(2026, 10, 26), date(2026, 11, 1)),  # a week starting before the range
        (2, date(2026, 11, 2), date(2026, 11, 8)),
        (3, date(2026, 11, 1), date(2026, 11, 30)),
        *(day(date(2026, 11, n)) for n in range(1, 31)),
        day(date(2026, 12, 1)),
    ]
    chosen, left = dashboard_rollups.cover(period, rollups)
    assert sorted(chosen) == sorted(
        [3, date(2026, 10, 30).toordinal(), date(2026, 12, 1).toordinal()]
    )
    assert left == [date(2026, 10, 31), date(2026, 12, 2)]
    assert dashboard_rollups.cover(period, []) == (
        [],
        list(days_between(period.first_day, period.last_day)),
    )
