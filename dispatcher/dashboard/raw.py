"""The dashboard's figures read from the leads and pages themselves, for whole office
days: what a rollup stores, and what the dashboard reads for today and for any day no
fresh rollup covers. Every figure is aggregated by the database; only grouped rows come
back (durations grouped by whole second).

Leads count on the day they were logged; pages on the day they were written (a lead
logged at 23:58 and reassigned at 00:03 has its second page on the next day); an
acknowledgement -> outcome time on the day of the acknowledged page. Nothing here writes.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Integer, case, cast, func, literal_column, select
from sqlalchemy.orm import Session

from dispatcher.dashboard.period import Period
from dispatcher.dashboard.spreads import dialect
from dispatcher.dashboard.tally import OUTCOME, PAGE_STATES, RESPONSE, Tally, count_in
from dispatcher.models import Lead, LeadState, Page, Salesperson

# Leads that turned out not to be clients (a supplier, a wrong number) are not calls to
# report on (Q2 excepts staff and suppliers too).
NOT_CLIENTS = (LeadState.NOT_A_CLIENT,)
# How long before its page a lead may have been logged, at most (see _outcome_times).
LEAD_BEFORE_PAGE = timedelta(days=7)


def raw_tally(
    *,
    session: Session,
    period: Period,
    office_id: int | None = None,
    salesperson_ids: list[int] | None = None,
) -> Tally:
    """The figures of ``period``: one office's leads and the given salespeople's pages,
    or (both None) every office's and every salesperson's, as a rollup keeps them."""
    tally = Tally()
    if salesperson_ids is None:
        # Named rather than "IS NOT NULL" (the manager's pages have nobody): the pages are
        # then read through their (salesperson, time) index, one range per salesperson.
        salesperson_ids = list(session.scalars(select(Salesperson.id)))
    pages = [_in_period(Page.created_at, period), Page.salesperson_id.in_(salesperson_ids)]
    _page_counts(session, pages, tally)
    _response_times(session, pages, tally)
    _outcome_times(session, pages, period, tally)
    leads = [_in_period(Lead.created_at, period), Lead.state.not_in(NOT_CLIENTS)]
    if office_id is not None:
        leads.append(Lead.office_id == office_id)
    _call_cells(session, leads, period, tally)
    _sources_and_listings(session, leads, tally)
    _outcomes(session, leads, tally)
    return tally


def _in_period(column, period: Period):
    return (column >= period.start) & (column < period.end)


def whole_seconds(session: Session, start, end):
    """Seconds from start to end, to the nearest second, computed by the database."""
    if dialect(session) == "postgresql":
        return cast(func.round(func.extract("epoch", end - start)), Integer)
    # julianday keeps about 50 microseconds: far below the rounding.
    return cast(func.round((func.julianday(end) - func.julianday(start)) * 86400.0), Integer)


def _page_counts(session: Session, pages: list, tally: Tally) -> None:
    query = (
        select(
            Page.salesperson_id,
            func.count(),
            *(func.count().filter(Page.state == state) for state in PAGE_STATES),
        )
        .where(*pages)
        .group_by(Page.salesperson_id)
    )
    for salesperson_id, *counts in session.execute(query):
        tally.salesperson(salesperson_id).counts = counts


def _histograms(session: Session, durations, tally: Tally, which: str, buckets) -> None:
    """Add (salesperson, seconds) rows, grouped by second in the database, to the
    salespeople's ``which`` histograms."""
    rows = durations.subquery()
    grouped = select(rows.c.salesperson_id, rows.c.seconds, func.count()).group_by(
        rows.c.salesperson_id, rows.c.seconds
    )
    for salesperson_id, seconds, count in session.execute(grouped):
        histogram = getattr(tally.salesperson(salesperson_id), which)
        count_in(histogram, buckets.key(int(seconds)), count)


def _response_times(session: Session, pages: list, tally: Tally) -> None:
    # Only an acknowledgement sets acknowledged_at. Asked by state instead, SQLite reads
    # most of the table through the index on state, three times slower than a scan.
    sent = func.coalesce(Page.sent_at, Page.created_at)
    durations = select(
        Page.salesperson_id,
        whole_seconds(session, sent, Page.acknowledged_at).label("seconds"),
    ).where(*pages, Page.acknowledged_at.is_not(None))
    _histograms(session, durations, tally, "response", RESPONSE)


def _outcome_times(session: Session, pages: list, period: Period, tally: Tally) -> None:
    durations = (
        select(
            Page.salesperson_id,
            whole_seconds(session, Page.acknowledged_at, Lead.outcome_at).label("seconds"),
        )
        .join(Lead, Lead.id == Page.lead_id)
        .where(
            *pages,
            Page.acknowledged_at.is_not(None),
            Lead.outcome_at.is_not(None),
            # A page is written when its lead is logged or minutes later, at a
            # reassignment; bounding the lead's time too lets the database read the
            # leads through their time index instead of every lead ever logged.
            Lead.created_at >= period.start - LEAD_BEFORE_PAGE,
            Lead.created_at < period.end,
        )
    )
    _histograms(session, durations, tally, "outcome", OUTCOME)


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


def _call_cells(session: Session, leads: list, period: Period, tally: Tally) -> None:
    """Leads by office, local weekday and hour, kind and channel: the hour, weekday and
    kind charts and the capture rate all add these up, so the leads are read once."""
    each = (
        select(
            Lead.office_id,
            _local_weekday_hour(session, Lead.created_at, period).label("weekday_hour"),
            Lead.kind,
            Lead.channel,
            case((Lead.caller_name != "", 1), else_=0).label("named"),
            case((Lead.state == LeadState.MANAGER, 1), else_=0).label("to_manager"),
        )
        .where(*leads)
        .subquery()
    )
    keys = (each.c.office_id, each.c.weekday_hour, each.c.kind, each.c.channel)
    grouped = select(
        *keys, func.count(), func.sum(each.c.named), func.sum(each.c.to_manager)
    ).group_by(*keys)
    for office_id, weekday_hour, kind, channel, count, named, to_manager in session.execute(
        grouped
    ):
        calls = tally.call(office_id, kind, channel)
        hour = weekday_hour // 100 * 24 + weekday_hour % 100
        calls.leads[hour] += count
        calls.named[hour] += int(named)
        calls.to_manager[hour] += int(to_manager)


def _sources_and_listings(session: Session, leads: list, tally: Tally) -> None:
    """What brought the callers (C1), and the listings they asked about."""
    for office_id, source, count, named in session.execute(
        select(
            Lead.office_id, Lead.source, func.count(), func.count().filter(Lead.caller_name != "")
        )
        .where(*leads)
        .group_by(Lead.office_id, Lead.source)
    ):
        tally.sources[(office_id, source)] = [count, named]
    for office_id, listing_id, count in session.execute(
        select(Lead.office_id, Lead.listing_id, func.count())
        .where(*leads)
        .group_by(Lead.office_id, Lead.listing_id)
    ):
        tally.listings[(office_id, listing_id)] = count


def _outcomes(session: Session, leads: list, tally: Tally) -> None:
    """How the call-backs ended (C7)."""
    for office_id, outcome, count in session.execute(
        select(Lead.office_id, Lead.outcome, func.count())
        .where(*leads, Lead.outcome.is_not(None), Lead.outcome != "")
        .group_by(Lead.office_id, Lead.outcome)
    ):
        tally.outcomes[(office_id, outcome)] = count
