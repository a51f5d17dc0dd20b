"""Page to *client reached* (a verified call through the office's number,
dispatcher/calls) per salesperson: how many acknowledged leads were reached, the
median and 90th percentile of the time from the page to the contact, and the share of
acknowledged leads never reached.

Read from the pages and leads of the range themselves, not from the rollups: a lead is
reached after its day's rollup may have been built, and these few columns do not need
the rollups' speed. Pages are those written in the range, as for page to acknowledgement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.dashboard.period import Period
from dispatcher.dashboard.spreads import NO_DURATIONS, QUANTILES, Spread
from dispatcher.language import N_
from dispatcher.models import Lead, Page, PageState, Salesperson


@dataclass
class Reached:
    name: str
    acknowledged: int = 0
    waits: list[float] = field(default_factory=list)  # seconds, page -> client reached

    @property
    def never_reached(self) -> int:
        return self.acknowledged - len(self.waits)


def reached_by_salesperson(
    *, session: Session, scopes: list[tuple[int, Period]]
) -> dict[int, Reached]:
    """Each salesperson's acknowledged pages of the offices' ranges, and their waits."""
    found: dict[int, Reached] = {}
    for office_id, period in scopes:
        rows = session.execute(
            select(
                Page.salesperson_id,
                Salesperson.name,
                Page.sent_at,
                Page.created_at,
                Lead.client_reached_at,
            )
            .join(Lead, Lead.id == Page.lead_id)
            .join(Salesperson, Salesperson.id == Page.salesperson_id)
            .where(
                Lead.office_id == office_id,
                Page.state == PageState.ACKNOWLEDGED,
                Page.created_at >= period.start,
                Page.created_at < period.end,
            )
        )
        for salesperson_id, name, sent_at, created_at, reached_at in rows:
            mine = found.setdefault(salesperson_id, Reached(name))
            mine.acknowledged += 1
            if reached_at is not None:
                paged = sent_at or created_at
                mine.waits.append(max(0.0, (reached_at - paged).total_seconds()))
    return dict(sorted(found.items(), key=lambda item: item[1].name))


def exact_spread(waits: list[float]) -> Spread:
    """Count, median and 90th percentile, interpolated between ranks as the rollups'
    histograms are (dispatcher/dashboard/tally.py)."""
    if not waits:
        return NO_DURATIONS
    ordered = sorted(waits)
    return Spread(len(ordered), *(_percentile(ordered, q) for q in QUANTILES))


def _percentile(ordered: list[float], q: float) -> float:
    target = q * (len(ordered) - 1)
    low = math.floor(target)
    value = ordered[low]
    if target > low:
        value += (ordered[low + 1] - value) * (target - low)
    return round(value, 3)


def totals(people: dict[int, Reached]) -> Reached:
    everyone = Reached(N_("All salespeople"))
    for mine in people.values():
        everyone.acknowledged += mine.acknowledged
        everyone.waits.extend(mine.waits)
    return everyone


def by_salesperson_rows(people: dict[int, Reached]) -> list[dict]:
    """The table's rows: one per salesperson, then everyone's."""
    rows = []
    for salesperson_id, mine in [*people.items(), (None, totals(people))]:
        spread = exact_spread(mine.waits)
        rows.append(
            {
                "salesperson_id": salesperson_id,
                "name": mine.name,
                "acknowledged": mine.acknowledged,
                "reached": len(mine.waits),
                "never_reached_rate": (
                    round(mine.never_reached / mine.acknowledged, 4) if mine.acknowledged else None
                ),
                "reached_median": spread.median,
                "reached_p90": spread.p90,
            }
        )
    return rows
