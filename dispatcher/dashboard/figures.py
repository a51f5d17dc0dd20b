"""The manager's dashboard (C11): who got the calls, how fast they answered, where the
calls came from, for a range of office days.

The figures come from office_tally: the rollups of the range's days that are fresh, and
the leads and pages themselves for the other days (dashboard_rollups.py, dashboard_raw.py
say how each counts). Medians and 90th percentiles come from histograms: page -> ack exact
to the second, ack -> outcome to the second under ten minutes and within 1% above
(dashboard_tally.py). The latest leads and the
leads export read the leads themselves. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dispatcher.dashboard.period import Period
from dispatcher.dashboard.raw import NOT_CLIENTS
from dispatcher.dashboard.rollups import office_tally
from dispatcher.dashboard.spreads import Spread
from dispatcher.dashboard.tally import OUTCOME, PAGE_STATES, RESPONSE, Tally, spread
from dispatcher.models import Lead, Listing, Page, PageState, Salesperson


@dataclass(frozen=True)
class SalespersonFigures:
    salesperson_id: int
    name: str
    active: bool
    paged: int
    acknowledged: int
    missed: int
    declined: int
    failed: int
    still_open: int
    response: Spread  # page sent -> acknowledged
    outcome: Spread  # acknowledged -> outcome reported

    @property
    def reassigned_away(self) -> int:
        return self.missed + self.declined + self.failed

    @property
    def acknowledgement_rate(self) -> float | None:
        """Acknowledged pages among those decided (open pages are not counted yet)."""
        decided = self.acknowledged + self.reassigned_away
        return self.acknowledged / decided if decided else None


@dataclass(frozen=True)
class CallCell:
    """Leads logged in one local weekday (0 = Sunday) and hour, of one kind and channel."""

    weekday: int
    hour: int
    kind: str
    channel: str
    leads: int
    named: int  # with a caller's name recorded (the number always is)
    to_manager: int  # nobody was left to page: the manager decides


@dataclass(frozen=True)
class SourceRow:
    source: str
    leads: int
    named: int


@dataclass(frozen=True)
class ListingRow:
    listing_id: int | None
    reference: str
    address: str
    leads: int


@dataclass(frozen=True)
class LeadLine:
    """One lead for the dashboard's list and the export: no caller's name or number."""

    lead_id: int
    created_at: datetime
    channel: str
    kind: str
    source: str
    listing: str
    state: str
    named: bool
    pages: int
    last_salesperson: str  # who holds it (or held the last page); "" for the manager
    last_page_state: str


@dataclass(frozen=True)
class OfficeFigures:
    """Everything the dashboard's tables show but the leads, for one office and range."""

    salespeople: list[SalespersonFigures]
    cells: list[CallCell]
    sources: list[SourceRow]
    listings: list[ListingRow]
    outcomes: list[tuple[str, int]]  # how the call-backs ended (C7), most first


def office_figures(
    *, session: Session, office_id: int, period: Period, use_rollups: bool = True
) -> OfficeFigures:
    """The office's figures for the range, read once (rollups and records)."""
    people = session.execute(
        select(Salesperson.id, Salesperson.name, Salesperson.active)
        .where(Salesperson.office_id == office_id)
        .order_by(Salesperson.name)
    ).all()
    tally = office_tally(
        session=session,
        office_id=office_id,
        period=period,
        salesperson_ids=[person.id for person in people],
        use_rollups=use_rollups,
    )
    return OfficeFigures(
        salespeople=_salespeople(people, tally),
        cells=_call_cells(tally),
        sources=sorted(
            (
                SourceRow(source, leads, named)
                for (_, source), (leads, named) in tally.sources.items()
            ),
            key=lambda row: (-row.leads, row.source),
        ),
        listings=_listings(session, tally),
        outcomes=sorted(
            ((outcome, n) for (_, outcome), n in tally.outcomes.items()),
            key=lambda item: (-item[1], item[0]),
        ),
    )


def _salespeople(people, tally: Tally) -> list[SalespersonFigures]:
    """Each salesperson of the office who was paged in the range, or is active."""
    figures = []
    for person in people:
        mine = tally.salespeople.get(person.id)
        if mine is None and not person.active:
            continue
        paged, *states = mine.counts if mine else [0] * (1 + len(PAGE_STATES))
        by_state = dict(zip(PAGE_STATES, states, strict=True))
        figures.append(
            SalespersonFigures(
                salesperson_id=person.id,
                name=person.name,
                active=person.active,
                paged=paged,
                acknowledged=by_state[PageState.ACKNOWLEDGED],
                missed=by_state[PageState.MISSED],
                declined=by_state[PageState.DECLINED],
                failed=by_state[PageState.FAILED],
                still_open=by_state[PageState.OPEN],
                response=spread(mine.response if mine else [], RESPONSE),
                outcome=spread(mine.outcome if mine else [], OUTCOME),
            )
        )
    return figures


def _call_cells(tally: Tally) -> list[CallCell]:
    return [
        CallCell(
            hour // 24, hour % 24, kind, channel, leads, calls.named[hour], calls.to_manager[hour]
        )
        for (_, kind, channel), calls in sorted(tally.calls.items())
        for hour, leads in enumerate(calls.leads)
        if leads
    ]


def _listings(session: Session, tally: Tally) -> list[ListingRow]:
    """Leads per listing asked about, most first; listing_id None: no listing named."""
    ids = [listing_id for (_, listing_id) in tally.listings if listing_id is not None]
    named = {
        listing_id: (reference, address)
        for listing_id, reference, address in session.execute(
            select(Listing.id, Listing.reference, Listing.address).where(Listing.id.in_(ids))
        )
    }
    rows = [
        ListingRow(listing_id, *named.get(listing_id, ("", "")), leads)
        for (_, listing_id), leads in tally.listings.items()
    ]
    return sorted(rows, key=lambda row: (-row.leads, row.reference))


def _office_leads(office_id: int, period: Period):
    return (
        Lead.office_id == office_id,
        (Lead.created_at >= period.start) & (Lead.created_at < period.end),
        Lead.state.not_in(NOT_CLIENTS),
    )


def _lead_lines_query(office_id: int, period: Period, salesperson_id: int | None) -> Select:
    query = (
        select(
            Lead.id,
            Lead.created_at,
            Lead.channel,
            Lead.kind,
            Lead.source,
            Listing.reference,
            Lead.state,
            Lead.caller_name != "",
        )
        .outerjoin(Listing, Listing.id == Lead.listing_id)
        .where(*_office_leads(office_id, period))
    )
    if salesperson_id is not None:
        query = query.where(
            Lead.id.in_(select(Page.lead_id).where(Page.salesperson_id == salesperson_id))
        )
    return query


def _with_pages(session: Session, leads: list) -> list[LeadLine]:
    """The leads with their pages' count and last holder, read in one query."""
    if not leads:
        return []
    pages: dict[int, list] = {}
    for lead_id, state, name in session.execute(
        select(Page.lead_id, Page.state, Salesperson.name)
        .outerjoin(Salesperson, Salesperson.id == Page.salesperson_id)
        .where(Page.lead_id.in_([lead[0] for lead in leads]))
        .order_by(Page.lead_id, Page.id)
    ):
        pages.setdefault(lead_id, []).append((state, name or ""))
    lines = []
    for lead_id, created_at, channel, kind, source, listing, state, named in leads:
        own = pages.get(lead_id, [])
        last_state, last_name = own[-1] if own else ("", "")
        lines.append(
            LeadLine(
                lead_id=lead_id,
                created_at=created_at,
                channel=channel,
                kind=kind,
                source=source,
                listing=listing or "",
                state=state,
                named=bool(named),
                pages=len(own),
                last_salesperson=last_name,
                last_page_state=last_state,
            )
        )
    return lines


def recent_leads(
    *,
    session: Session,
    office_id: int,
    period: Period,
    salesperson_id: int | None = None,
    limit: int = 50,
) -> list[LeadLine]:
    """The latest leads of the range (of one salesperson's pages, when given)."""
    query = _lead_lines_query(office_id, period, salesperson_id)
    leads = session.execute(query.order_by(Lead.created_at.desc(), Lead.id.desc()).limit(limit))
    return _with_pages(session, leads.all())


def all_lead_lines(
    *, session: Session, office_id: int, period: Period, chunk: int = 2000
) -> Iterator[LeadLine]:
    """Every lead of the range in time order, read in chunks (the CSV export)."""
    query = _lead_lines_query(office_id, period, None).order_by(Lead.created_at, Lead.id)
    batch: list = []
    for row in session.execute(query.execution_options(yield_per=chunk)):
        batch.append(tuple(row))
        if len(batch) == chunk:
            yield from _with_pages(session, batch)
            batch = []
    yield from _with_pages(session, batch)


def summed(offices: list[tuple[str, OfficeFigures]]) -> OfficeFigures:
    """Several offices' figures as one (the franchise's dashboard): calls, sources and
    outcomes added up; each salesperson and listing kept, named with their office."""
    cells: dict[tuple, list[int]] = {}
    sources: dict[str, list[int]] = {}
    outcomes: dict[str, int] = {}
    people: list[SalespersonFigures] = []
    listings: list[ListingRow] = []
    for name, figures in offices:
        for cell in figures.cells:
            entry = cells.setdefault((cell.weekday, cell.hour, cell.kind, cell.channel), [0, 0, 0])
            entry[0] += cell.leads
            entry[1] += cell.named
            entry[2] += cell.to_manager
        for row in figures.sources:
            entry = sources.setdefault(row.source, [0, 0])
            entry[0] += row.leads
            entry[1] += row.named
        for outcome, count in figures.outcomes:
            outcomes[outcome] = outcomes.get(outcome, 0) + count
        people.extend(
            replace(person, name=f"{person.name} ({name})") for person in figures.salespeople
        )
        listings.extend(
            replace(row, reference=f"{row.reference} ({name})") if row.reference else row
            for row in figures.listings
        )
    return OfficeFigures(
        salespeople=people,
        cells=[CallCell(*key, *counts) for key, counts in sorted(cells.items())],
        sources=sorted(
            (SourceRow(source, leads, named) for source, (leads, named) in sources.items()),
            key=lambda row: (-row.leads, row.source),
        ),
        listings=sorted(listings, key=lambda row: (-row.leads, row.reference)),
        outcomes=sorted(outcomes.items(), key=lambda item: (-item[1], item[0])),
    )
