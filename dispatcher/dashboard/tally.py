"""The dashboard's figures in a form that adds up: the figures of two ranges of days are
the sum of each one's. A rollup stores some days' figures as JSON; the dashboard adds up
the rollups of a range and the figures read from the records for the days no fresh
rollup covers, then derives its tables from the total.

A median does not add up, so durations are kept as histograms and the medians and 90th
percentiles are read from them (interpolating as percentile_cont does). Resolution:
durations are counted to the nearest second, one bucket a second up to a limit, then
buckets 2% wider each (within 1%). Page -> acknowledgement: exact to the second under an
hour, so always in practice (the deadline is five minutes). Acknowledgement -> outcome
(hours, days): exact under ten minutes, within 1% above.

Counts are kept in lists indexed by bucket (histograms) or by weekday * 24 + hour (the
calls), so adding a rollup is adding lists. In JSON such a list is packed: [first index,
array type code, base64 of the counts from the first non-zero one to the last], read
back by the array module in C: a year's rollups hold some 300,000 counts, and as JSON
numbers they took longer to parse than the 300 ms the whole page may take.
"""

from __future__ import annotations

import math
import sys
from array import array
from base64 import b64decode, b64encode
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import add

from dispatcher.dashboard.spreads import NO_DURATIONS, QUANTILES, Spread
from dispatcher.models import PageState

# The page states the dashboard counts, after "paged" (every page).
PAGE_STATES = (
    PageState.ACKNOWLEDGED,
    PageState.MISSED,
    PageState.DECLINED,
    PageState.FAILED,
    PageState.OPEN,
)
WEEK_HOURS = 7 * 24
# Bumped when the JSON below changes: a rollup in another format is not read.
FORMAT = 3
# Array type codes from the smallest: 1, 2, 4 and 8 bytes a count.
TYPE_CODES = ("B", "H", "I", "Q")


@dataclass(frozen=True)
class Buckets:
    """One bucket a second below ``exact_below``; from there bucket exact_below + k
    holds [exact_below * 1.02**k, exact_below * 1.02**(k + 1)) seconds."""

    exact_below: int
    width: float = 1.02

    def key(self, seconds: int) -> int:
        """The bucket of a whole number of seconds (negative ones count as 0)."""
        if seconds < self.exact_below:
            return max(seconds, 0)
        return self.exact_below + int(math.log(seconds / self.exact_below) / math.log(self.width))

    def value(self, key: int) -> float:
        """The time a bucket stands for: its second, or its geometric middle."""
        if key < self.exact_below:
            return float(key)
        return self.exact_below * self.width ** (key - self.exact_below + 0.5)


RESPONSE = Buckets(exact_below=3600)  # page -> acknowledgement
OUTCOME = Buckets(exact_below=600)  # acknowledgement -> outcome


def spread(histogram: list[int], buckets: Buckets) -> Spread:
    """The count, median and 90th percentile of the times in a histogram."""
    count = sum(histogram)
    if not count:
        return NO_DURATIONS
    filled = [(key, n) for key, n in enumerate(histogram) if n]
    return Spread(count, *(_percentile(filled, count, q, buckets) for q in QUANTILES))


def _percentile(filled: list[tuple[int, int]], count: int, q: float, buckets: Buckets) -> float:
    target = q * (count - 1)
    low = math.floor(target)
    result = _value_at(filled, low, buckets)
    if target > low:
        result += (_value_at(filled, low + 1, buckets) - result) * (target - low)
    return round(result, 3)


def _value_at(filled: list[tuple[int, int]], rank: int, buckets: Buckets) -> float:
    seen = 0
    for key, n in filled:
        seen += n
        if rank < seen:
            return buckets.value(key)
    raise IndexError(rank)


def count_in(counts: list[int], index: int, n: int = 1) -> None:
    """Add n at index, growing the list as needed."""
    if index >= len(counts):
        counts.extend([0] * (index + 1 - len(counts)))
    counts[index] += n


@dataclass
class SalespersonTally:
    """One salesperson's pages: how many, how each ended, and how fast."""

    counts: list[int] = field(default_factory=lambda: [0] * (1 + len(PAGE_STATES)))
    response: list[int] = field(default_factory=list)  # page -> ack, RESPONSE buckets
    outcome: list[int] = field(default_factory=list)  # ack -> outcome, OUTCOME buckets


@dataclass
class CallTally:
    """One office's leads of one kind and channel, by weekday (0 = Sunday) * 24 + hour."""

    leads: list[int] = field(default_factory=lambda: [0] * WEEK_HOURS)
    named: list[int] = field(default_factory=lambda: [0] * WEEK_HOURS)
    to_manager: list[int] = field(default_factory=lambda: [0] * WEEK_HOURS)


@dataclass
class Tally:
    """Everything the dashboard shows but its list of leads, for some days.

    Lead figures are keyed by office first; salesperson figures by salesperson (the
    dashboard picks the office's salespeople, as it does from the records).
    """

    salespeople: dict[int, SalespersonTally] = field(default_factory=dict)
    # (office, kind, channel)
    calls: dict[tuple, CallTally] = field(default_factory=dict)
    # (office, source) -> [leads, named]
    sources: dict[tuple, list[int]] = field(default_factory=dict)
    # (office, listing id or None) -> leads
    listings: dict[tuple, int] = field(default_factory=dict)
    # (office, outcome) -> leads
    outcomes: dict[tuple, int] = field(default_factory=dict)

    def salesperson(self, salesperson_id: int) -> SalespersonTally:
        found = self.salespeople.get(salesperson_id)
        if found is None:
            found = self.salespeople[salesperson_id] = SalespersonTally()
        return found

    def call(self, office_id: int, kind: str, channel: str) -> CallTally:
        key = (office_id, kind, channel)
        found = self.calls.get(key)
        if found is None:
            found = self.calls[key] = CallTally()
        return found

    def add(self, other: Tally) -> None:
        self.add_json(other.to_json())

    def to_json(self) -> dict:
        """Lists of numbers and words, and packed counts: compact, quick to read back."""
        return {
            "format": FORMAT,
            "salespeople": [
                [sid, s.counts, _pack(s.response), _pack(s.outcome)]
                for sid, s in sorted(self.salespeople.items())
            ],
            "calls": [
                [*key, _pack(c.leads), _pack(c.named), _pack(c.to_manager)]
                for key, c in sorted(self.calls.items())
            ],
            "sources": [[*key, *values] for key, values in sorted(self.sources.items())],
            "listings": [[*key, n] for key, n in sorted(self.listings.items(), key=_order)],
            "outcomes": [[*key, n] for key, n in sorted(self.outcomes.items())],
        }

    def add_json(
        self, data: dict, *, office_id: int | None = None, salespeople: set[int] | None = None
    ) -> None:
        """Add figures stored by to_json; only one office's and salespeople's if given."""
        if data.get("format") != FORMAT:
            raise ValueError(f"figures in format {data.get('format')!r}, not {FORMAT}")
        for sid, counts, response, outcome in data["salespeople"]:
            if salespeople is not None and sid not in salespeople:
                continue
            mine = self.salesperson(sid)
            mine.counts = list(map(add, mine.counts, counts))
            _add_packed(mine.response, response)
            _add_packed(mine.outcome, outcome)
        for office, kind, channel, leads, named, to_manager in data["calls"]:
            if office_id is not None and office != office_id:
                continue
            mine = self.call(office, kind, channel)
            _add_packed(mine.leads, leads)
            _add_packed(mine.named, named)
            _add_packed(mine.to_manager, to_manager)
        for office, source, leads, named in data["sources"]:
            if office_id is None or office == office_id:
                found = self.sources.get((office, source), [0, 0])
                self.sources[(office, source)] = [found[0] + leads, found[1] + named]
        _add_counts(self.listings, data["listings"], office_id)
        _add_counts(self.outcomes, data["outcomes"], office_id)


def _order(item):
    # None (no listing named) sorts first among numbers.
    return tuple((value is not None, value) for value in item[0])


def _pack(counts: list[int]) -> list:
    """[first index, type code, base64] of the counts from the first non-zero one to
    the last, little-endian, in the smallest type that holds them; [] for no counts."""
    filled = [index for index, n in enumerate(counts) if n]
    if not filled:
        return []
    part = counts[filled[0] : filled[-1] + 1]
    largest = max(part)
    code = next(c for c in TYPE_CODES if largest < 1 << (8 * array(c).itemsize))
    packed = array(code, part)
    if sys.byteorder == "big":
        packed.byteswap()
    return [filled[0], code, b64encode(packed.tobytes()).decode("ascii")]


def _add_packed(counts: list[int], packed: list) -> None:
    """Add counts written by _pack to a list, growing it as needed."""
    if not packed:
        return
    first, code, text = packed
    part = array(code, b64decode(text))
    if sys.byteorder == "big":
        part.byteswap()
    end = first + len(part)
    if end > len(counts):
        counts.extend([0] * (end - len(counts)))
    counts[first:end] = map(add, counts[first:end], part)


def _add_counts(totals: dict, rows: Iterable[list], office_id: int | None) -> None:
    for *key, count in rows:
        if office_id is not None and key[0] != office_id:
            continue
        key = tuple(key)
        totals[key] = totals.get(key, 0) + count
