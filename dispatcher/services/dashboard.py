"""The manager's dashboard (C11): who got the calls, how fast they answered, where the
calls came from. Every figure is computed by the database: one query per table, over
millions of leads, returning only the aggregated rows.

Leads count in the range by the time they were logged; pages by the time they were
written (a lead logged at 23:58 and reassigned at 00:03 has its second page on the next
day). Durations are in seconds. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, Select, case, cast, func, literal_column, select
from sqlalchemy.orm import Session

from dispatcher.models import Lead, Listing, Page, Salesperson
from dispatcher.services.dashboard_period import Period
from dispatcher.services.spreads import NO_DURATIONS, Spread, dialect, seconds_between, spreads

# A page that ended with the lead given to someone else.
REASSIGNED_AWAY = ("missed", "declined", "failed")
# Leads that turned out not to be clients (a supplier, a wrong number) are not calls to
# report on (Q2 excepts staff and suppliers too).
NOT_CLIENTS = ("not_a_client",)
# How long before its page a lead may have been logged, at most (see salesperson_figures).
LEAD_BEFORE_PAGE = timedelta(days=7)


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
    outcome: Spread | None  # acknowledged -> outcome reported; None: not recorded yet

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


def outcomes_recorded() -> bool:
    """Whether this version of the records has outcomes (C7) to report on."""
    return hasattr(Lead, "outcome_at") and hasattr(Lead, "outcome")


def _in_period(column, period: Period):
    return (column >= period.start) & (column < period.end)


def salesperson_figures(
    *, session: Session, office_id: int, period: Period
) -> list[SalespersonFigures]:
    """Each salesperson of the office who was paged in the range, or is active."""
    people = session.execute(
        select(Salesperson.id, Salesperson.name, Salesperson.active)
        .where(Salesperson.office_id == office_id)
        .order_by(Salesperson.name)
    ).all()
    ids = [person.id for person in people]
    in_range = [Page.salesperson_id.in_(ids), _in_period(Page.created_at, period)]
    counts = {
        row.salesperson_id: row
        for row in session.execute(
            select(
                Page.salesperson_id,
                func.count().label("paged"),
                *(
                    func.count().filter(Page.state == state).label(state)
                    for state in ("acknowledged", "missed", "declined", "failed", "open")
                ),
            )
            .where(*in_range)
            .group_by(Page.salesperson_id)
        )
    }
    # Only an acknowledgement sets acknowledged_at. Asked by state instead, SQLite reads
    # most of the table through the index on state, three times slower than a scan.
    acknowledged = [*in_range, Page.acknowledged_at.is_not(None)]
    response = spreads(
        session=session,
        durations=select(
            Page.salesperson_id.label("group"),
            seconds_between(
                session, func.coalesce(Page.sent_at, Page.created_at), Page.acknowledged_at
            ).label("seconds"),
        ).where(*acknowledged),
    )
    outcome = None
    if outcomes_recorded():
        outcome_at = Lead.outcome_at
        outcome = spreads(
            session=session,
            durations=select(
                Page.salesperson_id.label("group"),
                seconds_between(session, Page.acknowledged_at, outcome_at).label("seconds"),
            )
            .join(Lead, Lead.id == Page.lead_id)
            .where(
                *acknowledged,
                outcome_at.is_not(None),
                # A page is written when its lead is logged or minutes later, at a
                # reassignment; bounding the lead's time too lets the database read the
                # leads through their time index instead of every lead ever logged.
                Lead.created_at >= period.start - LEAD_BEFORE_PAGE,
                Lead.created_at < period.end,
            ),
        )
    figures = []
    for person in people:
        row = counts.get(person.id)
        if row is None and not person.active:
            continue
        figures.append(
            SalespersonFigures(
                salesperson_id=person.id,
                name=person.name,
                active=person.active,
                paged=row.paged if row else 0,
                acknowledged=row.acknowledged if row else 0,
                missed=row.missed if row else 0,
                declined=row.declined if row else 0,
                failed=row.failed if row else 0,
                still_open=row.open if row else 0,
                response=response.get(person.id, NO_DURATIONS),
                outcome=None if outcome is None else outcome.get(person.id, NO_DURATIONS),
            )
        )
    return figures


def _local_weekday_hour(session: Session, column, period: Period):
    """The local weekday (0 = Sunday) and hour of a stored UTC time, computed by the
    database as one number: weekday * 100 + hour.

    The time is shifted by the UTC offset in force at that instant (a CASE over the
    range's daylight-saving changes): SQLite knows no time zones, and on PostgreSQL this
    measured twice as fast as AT TIME ZONE. One expression, not two: on SQLite the date
    arithmetic is most of the query's time.
    """
    *changes, (_, last) = period.offsets
    if dialect(session) == "postgresql":
        # Whole minutes the code computed, written into the SQL as numbers.
        shift = _by_offset(column, changes, last, lambda m: f"interval '{int(m)} minutes'")
        local = column + shift
        # date_part answers a float; extract a numeric, slower to compute.
        return cast(func.date_part("dow", local) * 100 + func.date_part("hour", local), Integer)
    modifier = _by_offset(column, changes, last, lambda m: f"'{int(m)} minutes'")
    return cast(func.strftime("%w%H", column, modifier), Integer)


def _by_offset(column, changes, last, written):
    """A CASE choosing, by the stored time, the offset in force then (as SQL text)."""
    value = literal_column(written(last))
    if not changes:
        return value
    return case(
        *((column < until, literal_column(written(minutes))) for until, minutes in changes),
        else_=value,
    )


def _office_leads(office_id: int, period: Period):
    return (
        Lead.office_id == office_id,
        _in_period(Lead.created_at, period),
        Lead.state.not_in(NOT_CLIENTS),
    )


def call_cells(*, session: Session, office_id: int, period: Period) -> list[CallCell]:
    """Leads by local weekday, hour, kind and channel: the hour, weekday and kind charts
    and the capture rate all add these up, so the leads are read once."""
    each = (
        select(
            _local_weekday_hour(session, Lead.created_at, period).label("weekday_hour"),
            Lead.kind,
            Lead.channel,
            case((Lead.caller_name != "", 1), else_=0).label("named"),
            case((Lead.state == "manager", 1), else_=0).label("to_manager"),
        )
        .where(*_office_leads(office_id, period))
        .subquery()
    )
    grouped = select(
        each.c.weekday_hour,
        each.c.kind,
        each.c.channel,
        func.count(),
        func.sum(each.c.named),
        func.sum(each.c.to_manager),
    ).group_by(each.c.weekday_hour, each.c.kind, each.c.channel)
    return [
        CallCell(weekday_hour // 100, weekday_hour % 100, kind, channel, leads, named, manager)
        for weekday_hour, kind, channel, leads, named, manager in session.execute(grouped)
    ]


def calls_by_source(*, session: Session, office_id: int, period: Period) -> list[SourceRow]:
    """What brought the callers (C1), most leads first."""
    leads = func.count().label("leads")
    return [
        SourceRow(source, count, int(named))
        for source, count, named in session.execute(
            select(Lead.source, leads, func.count().filter(Lead.caller_name != ""))
            .where(*_office_leads(office_id, period))
            .group_by(Lead.source)
            .order_by(leads.desc(), Lead.source)
        )
    ]


def calls_by_listing(*, session: Session, office_id: int, period: Period) -> list[ListingRow]:
    """Leads per listing asked about, most first; listing_id None: no listing named."""
    counted = (
        select(Lead.listing_id, func.count().label("leads"))
        .where(*_office_leads(office_id, period))
        .group_by(Lead.listing_id)
        .subquery()
    )
    rows = session.execute(
        select(counted.c.listing_id, Listing.reference, Listing.address, counted.c.leads)
        .outerjoin(Listing, Listing.id == counted.c.listing_id)
        .order_by(counted.c.leads.desc(), Listing.reference)
    )
    return [ListingRow(lid, ref or "", address or "", leads) for lid, ref, address, leads in rows]


def outcome_counts(
    *, session: Session, office_id: int, period: Period
) -> list[tuple[str, int]] | None:
    """How the call-backs ended (C7), most first; None until outcomes are recorded."""
    if not outcomes_recorded():
        return None
    outcome = Lead.outcome
    count = func.count().label("leads")
    return [
        (value, total)
        for value, total in session.execute(
            select(outcome, count)
            .where(*_office_leads(office_id, period), outcome.is_not(None), outcome != "")
            .group_by(outcome)
            .order_by(count.desc(), outcome)
        )
    ]


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
