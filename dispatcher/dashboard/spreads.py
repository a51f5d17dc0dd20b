"""How a set of durations spreads (the count, the median and the 90th percentile), as
the dashboard shows it; the figures are read from histograms (dispatcher.dashboard.tally)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

QUANTILES = (0.5, 0.9)


@dataclass(frozen=True)
class Spread:
    """How a set of durations spreads: how many, the median and the 90th percentile."""

    count: int
    median: float | None = None
    p90: float | None = None


NO_DURATIONS = Spread(0)


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name
