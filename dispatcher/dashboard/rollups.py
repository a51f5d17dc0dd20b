"""Rollups: the dashboard's figures for whole office days, computed once, so a year's
dashboard adds up a dozen months and a few days instead of reading a year of leads.

A rollup covers one local day, one week (Monday to Sunday) or one calendar month (the
months make a year fast; weeks and days serve the ends of a range). It is built only
for days that are over, and read only while fresh; the days no fresh rollup covers
(today, a day changed since its rollup was built, a day never built) are read from the
leads and pages themselves. So a rollup may be late, never wrong:

- Every insert, update or delete of a lead or a page writes the time it concerns to
  dashboard_change, by a database trigger (see the migration): an outcome reported days
  later, an acknowledgement recorded after midnight, a stub completed, a fix typed in SQL.
- A rollup with a change inside its hours is not fresh. ``record_changes`` turns the
  changes into ``version`` bumps; a build stores the version it read before reading the
  records, so a change that lands during a build leaves the rollup stale, not wrong.

Nothing here commits: dispatcher/dashboard/upkeep.py runs these from the clock process
and the ``flask dashboard-rollups`` command.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, text, update
from sqlalchemy.orm import Session

from dispatcher.clock import local_time
from dispatcher.dashboard.period import Period, period_for
from dispatcher.dashboard.raw import raw_tally
from dispatcher.dashboard.spreads import dialect
from dispatcher.dashboard.tally import FORMAT, Tally
from dispatcher.models import DashboardChange, DashboardRollup, Lead

# The triggers the migration creates; without all of them rollups are not trusted.
TRIGGERS = {
    "sqlite": {
        f"dashboard_change_{table}_{event}"
        for table in ("lead", "page")
        for event in ("insert", "update", "delete")
    },
    "postgresql": {"dashboard_change_lead", "dashboard_change_page"},
}


def rollups_usable(session: Session) -> bool:
    """Whether the change triggers are in place (a batch migration on SQLite that copies
    lead or page drops them; PostgreSQL can disable them)."""
    name = dialect(session)
    if name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    elif name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
    else:
        return False
    return TRIGGERS[name] <= set(session.scalars(text(query)))


def record_changes(*, session: Session, limit: int = 10_000) -> int:
    """Turn logged changes into stale rollups; how many changes were read (at most
    ``limit`` that fall inside rollups, so the caller may loop).

    The changes are deleted as they are read, in one statement, and the rollups looked
    up after: a rollup created meanwhile was built from records that include them.
    """
    # Changes after the last rollup's end (today's calls) touch no rollup.
    horizon = select(func.max(DashboardRollup.ends_at)).scalar_subquery()
    session.execute(
        delete(DashboardChange)
        .where(DashboardChange.at >= func.coalesce(horizon, datetime(2000, 1, 1)))
        .execution_options(synchronize_session=False)
    )
    batch = select(DashboardChange.id).order_by(DashboardChange.id).limit(limit)
    times = sorted(
        set(
            session.scalars(
                delete(DashboardChange)
                .where(DashboardChange.id.in_(batch))
                .returning(DashboardChange.at)
                .execution_options(synchronize_session=False)
            )
        )
    )
    if not times:
        return 0
    rollups = session.execute(
        select(DashboardRollup.id, DashboardRollup.starts_at, DashboardRollup.ends_at).where(
            DashboardRollup.ends_at > times[0], DashboardRollup.starts_at <= times[-1]
        )
    )
    stale = [
        rollup_id
        for rollup_id, starts_at, ends_at in rollups
        if (first := bisect_left(times, starts_at)) < len(times) and times[first] < ends_at
    ]
    for chunk in _chunks(stale, 500):
        session.execute(
            update(DashboardRollup)
            .where(DashboardRollup.id.in_(chunk))
            .values(version=DashboardRollup.version + 1)
        )
    return len(times)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def plan_rollups(
    *,
    session: Session,
    timezone: str,
    today: date,
    first_day: date | None = None,
    last_day: date | None = None,
) -> int:
    """Add the rollups that should exist and do not, unbuilt: each day that is over,
    from the first lead's day (or ``first_day``) to yesterday (or ``last_day``), and
    each week (Monday to Sunday) and calendar month among them that is over. How many
    were added."""
    first_logged = session.scalar(select(func.min(Lead.created_at)))
    if first_logged is None:
        return 0
    start = max(local_time(first_logged, timezone).date(), first_day or date.min)
    end = min(today - timedelta(days=1), last_day or date.max)
    wanted = [(day, day) for day in _days(start, end)]
    monday = monday_of(start)
    while (sunday := monday + timedelta(days=6)) <= end:
        wanted.append((monday, sunday))
        monday += timedelta(days=7)
    month = start.replace(day=1)
    while (month_end := _month_end(month)) <= end:
        wanted.append((month, month_end))
        month = month_end + timedelta(days=1)
    have = {
        tuple(row)
        for row in session.execute(
            select(DashboardRollup.first_day, DashboardRollup.last_day).where(
                DashboardRollup.timezone == timezone,
                DashboardRollup.last_day >= min(start.replace(day=1), monday_of(start)),
                DashboardRollup.first_day <= end,
            )
        )
    }
    added = [
        _new_rollup(period_for(first, last, timezone))
        for first, last in wanted
        if (first, last) not in have
    ]
    session.add_all(added)
    return len(added)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _new_rollup(period: Period) -> DashboardRollup:
    return DashboardRollup(
        timezone=period.timezone,
        first_day=period.first_day,
        last_day=period.last_day,
        starts_at=period.start,
        ends_at=period.end,
        version=1,
        built_version=0,
    )


def mark_stale(*, session: Session, timezone: str, first_day: date, last_day: date) -> int:
    """Have every rollup within the days built again (``flask dashboard-rollups
    --rebuild``, say after the figures' code changed)."""
    return session.execute(
        update(DashboardRollup)
        .where(
            DashboardRollup.timezone == timezone,
            DashboardRollup.first_day >= first_day,
            DashboardRollup.last_day <= last_day,
        )
        .values(version=DashboardRollup.version + 1)
    ).rowcount


def rollups_to_build(
    *, session: Session, timezone: str, first_day: date | None = None, last_day: date | None = None
) -> list[tuple[int, date, date]]:
    """(id, first day, last day) of the stale rollups (or built by other code): latest
    first, as the dashboard is most often asked for recent days; a day before its week."""
    query = select(DashboardRollup.id, DashboardRollup.first_day, DashboardRollup.last_day).where(
        DashboardRollup.timezone == timezone,
        or_(
            DashboardRollup.version != DashboardRollup.built_version,
            DashboardRollup.figures_format != FORMAT,
        ),
    )
    if first_day is not None:
        query = query.where(DashboardRollup.first_day >= first_day)
    if last_day is not None:
        query = query.where(DashboardRollup.last_day <= last_day)
    rows = [tuple(row) for row in session.execute(query)]
    return sorted(rows, key=lambda row: (-row[2].toordinal(), (row[2] - row[1]).days))


def compute_rollup(*, session: Session, rollup_id: int) -> tuple[int, dict]:
    """The version read first, then the figures of the rollup's days from the records
    (every office's, every salesperson's). Read-only: run it in a reading session."""
    version, timezone, first_day, last_day = session.execute(
        select(
            DashboardRollup.version,
            DashboardRollup.timezone,
            DashboardRollup.first_day,
            DashboardRollup.last_day,
        ).where(DashboardRollup.id == rollup_id)
    ).one()
    tally = raw_tally(session=session, period=period_for(first_day, last_day, timezone))
    return version, tally.to_json()


def store_rollup(
    *, session: Session, rollup_id: int, version: int, figures: dict, now: datetime
) -> bool:
    """Keep figures computed at ``version``; fresh only if nothing bumped it since.
    False when a build of a later version was stored first."""
    return (
        session.execute(
            update(DashboardRollup)
            .where(DashboardRollup.id == rollup_id, DashboardRollup.built_version <= version)
            .values(figures=figures, figures_format=FORMAT, built_version=version, built_at=now)
        ).rowcount
        == 1
    )


def fresh_rollups(*, session: Session, period: Period) -> list[tuple[int, date, date]]:
    """(id, first day, last day) of the rollups inside the period that can be read."""
    changed = exists().where(
        DashboardChange.at >= DashboardRollup.starts_at,
        DashboardChange.at < DashboardRollup.ends_at,
    )
    query = select(DashboardRollup.id, DashboardRollup.first_day, DashboardRollup.last_day).where(
        DashboardRollup.timezone == period.timezone,
        DashboardRollup.first_day >= period.first_day,
        DashboardRollup.last_day <= period.last_day,
        DashboardRollup.version == DashboardRollup.built_version,
        DashboardRollup.figures_format == FORMAT,
        ~changed,
    )
    return [tuple(row) for row in session.execute(query)]


def cover(period: Period, rollups: list[tuple[int, date, date]]) -> tuple[list[int], list[date]]:
    """The fewest rollups that cover the period with the days left over (read from the
    records, each counting as two rollups): the rollups to read and the days left."""
    days = period.days
    starting: dict[int, list[tuple[int, int]]] = {}
    for rollup_id, first, last in rollups:
        starting.setdefault((first - period.first_day).days, []).append(
            (rollup_id, (last - period.first_day).days + 1)
        )
    # best[d]: (cost, how it got there) of covering the first d days.
    best: list[tuple[int, int | None, int]] = [(0, None, 0)] + [(days * 2 + 1, None, 0)] * days
    for day in range(days):
        cost = best[day][0]
        if cost + 2 < best[day + 1][0]:
            best[day + 1] = (cost + 2, None, day)
        for rollup_id, after in starting.get(day, ()):
            if cost + 1 < best[after][0]:
                best[after] = (cost + 1, rollup_id, day)
    chosen, left = [], []
    day = days
    while day:
        _, rollup_id, came_from = best[day]
        if rollup_id is None:
            left.append(period.first_day + timedelta(days=came_from))
        else:
            chosen.append(rollup_id)
        day = came_from
    return chosen, sorted(left)


def _runs(days: list[date]) -> Iterator[tuple[date, date]]:
    """Consecutive days as (first, last) runs."""
    start = previous = None
    for day in days:
        if previous is not None and day == previous + timedelta(days=1):
            previous = day
            continue
        if start is not None:
            yield start, previous
        start = previous = day
    if start is not None:
        yield start, previous


def office_tally(
    *,
    session: Session,
    office_id: int,
    period: Period,
    salesperson_ids: list[int],
    use_rollups: bool = True,
) -> Tally:
    """One office's figures for the period: fresh rollups where there are, the records
    for the rest. With ``use_rollups`` False, the records alone (tests compare both)."""
    tally = Tally()
    rollups = fresh_rollups(session=session, period=period) if use_rollups else []
    if rollups and not rollups_usable(session):
        rollups = []
    chosen, left = cover(period, rollups)
    people = set(salesperson_ids)
    if chosen:
        for figures in session.scalars(
            select(DashboardRollup.figures).where(DashboardRollup.id.in_(chosen))
        ):
            tally.add_json(figures, office_id=office_id, salespeople=people)
    for first, last in _runs(left):
        tally.add(
            raw_tally(
                session=session,
                period=period_for(first, last, period.timezone),
                office_id=office_id,
                salesperson_ids=salesperson_ids,
            )
        )
    return tally
