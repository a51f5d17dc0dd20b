"""The median and 90th percentile of durations per group, computed where it is cheapest
for each database. Durations are seconds; percentiles interpolate between the two
nearest values, as PostgreSQL's percentile_cont does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Select, extract, func, literal, or_, select
from sqlalchemy.orm import Session

QUANTILES = (0.5, 0.9)
# How the median and 90th percentile are computed, per database: PostgreSQL's
# percentile_cont; SQLite has none, and fetching the durations column sorted by SQL to
# interpolate here measured faster there than window functions that return only the
# ranks needed (bench/dashboard.py compares all three).
PERCENTILE_METHOD = {"postgresql": "percentile_cont", "sqlite": "python"}


@dataclass(frozen=True)
class Spread:
    """How a set of durations spreads: how many, the median and the 90th percentile."""

    count: int
    median: float | None = None
    p90: float | None = None


NO_DURATIONS = Spread(0)


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def seconds_between(session: Session, start, end):
    if dialect(session) == "postgresql":
        return extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def spreads(*, session: Session, durations: Select, method: str | None = None) -> dict:
    """The median and 90th percentile per group. ``durations`` selects (group, seconds).

    Percentiles interpolate between the two nearest values, as percentile_cont does.
    """
    method = method or PERCENTILE_METHOD.get(dialect(session), "window")
    rows = durations.subquery()
    if method == "percentile_cont":
        result = session.execute(
            select(
                rows.c.group,
                func.count(),
                *(func.percentile_cont(q).within_group(rows.c.seconds) for q in QUANTILES),
            ).group_by(rows.c.group)
        )
        return {
            group: Spread(count, *(_seconds(value) for value in values))
            for group, count, *values in result
        }
    if method == "python":
        by_group: dict = {}
        for group, seconds in session.execute(
            select(rows.c.group, rows.c.seconds).order_by(rows.c.group, rows.c.seconds)
        ):
            by_group.setdefault(group, []).append(float(seconds))
        return {
            group: Spread(len(values), *(_interpolate(values, q) for q in QUANTILES))
            for group, values in by_group.items()
        }
    return _spreads_by_window(session, rows)


def _spreads_by_window(session: Session, rows) -> dict:
    """Rank the durations in each group and bring back only the ranks each percentile
    needs: a handful of rows per group instead of every duration."""
    ranked = select(
        rows.c.group,
        rows.c.seconds,
        (func.row_number().over(partition_by=rows.c.group, order_by=rows.c.seconds) - 1).label(
            "position"
        ),
        func.count().over(partition_by=rows.c.group).label("n"),
    ).subquery()
    # Every rank within one of each target: the floor and the ceiling, whatever rounding
    # the database does to q * (n - 1).
    near = or_(
        *(func.abs(ranked.c.position - literal(q) * (ranked.c.n - 1)) <= 1 for q in QUANTILES)
    )
    picked: dict = {}
    for group, n, position, seconds in session.execute(
        select(ranked.c.group, ranked.c.n, ranked.c.position, ranked.c.seconds).where(near)
    ):
        picked.setdefault(group, (n, {}))[1][position] = float(seconds)
    result = {}
    for group, (n, values) in picked.items():
        result[group] = Spread(n, *(_interpolate_at(values, n, q) for q in QUANTILES))
    return result


def _interpolate(ordered: list[float], q: float) -> float | None:
    return _interpolate_at(dict(enumerate(ordered)), len(ordered), q)


def _interpolate_at(values: dict[int, float], n: int, q: float) -> float | None:
    """percentile_cont's answer from the values at the ranks around q * (n - 1)."""
    if n == 0:
        return None
    target = q * (n - 1)
    low = math.floor(target)
    fraction = target - low
    value = values[low]
    if fraction > 0 and low + 1 < n:
        value += (values[low + 1] - value) * fraction
    return _seconds(value)


def _seconds(value) -> float | None:
    # Millisecond precision: SQLite's julianday arithmetic leaves noise below that.
    return None if value is None else round(float(value), 3)
