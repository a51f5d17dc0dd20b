"""The dashboard's rollups: figures read from rollups equal the figures read from the
records, on seeded random records around local midnights and a daylight-saving change,
before and after late changes; percentiles within the stated resolution; a change that
lands during a build leaves the rollup stale, never wrong."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from dispatcher.dashboard import figures as dashboard
from dispatcher.dashboard import rollups as dashboard_rollups
from dispatcher.dashboard.period import period_for
from dispatcher.dashboard.spreads import QUANTILES
from dispatcher.dashboard.tally import FORMAT, OUTCOME, RESPONSE
from dispatcher.extensions import db
from dispatcher.leads import outcomes
from dispatcher.models import DashboardChange, DashboardRollup, Lead, Page, Salesperson
from dispatcher.pages import service as pages
from tests.app_setup import PG_URL
from tests.dashboard_records import (
    AFTER,
    FIRST_DAY,
    LAST_DAY,
    TZ,
    RecordWriter,
    days_between,
    second_office,
)

# Ranges that start and end inside months, match a month, hold one day, reach past the
# records, and cross the change back from daylight saving.
RANGES = [
    (FIRST_DAY, LAST_DAY),
    (date(2026, 11, 1), date(2026, 11, 30)),
    (date(2026, 10, 28), date(2026, 11, 5)),
    (date(2026, 11, 1), date(2026, 11, 1)),
    (date(2026, 11, 29), date(2026, 12, 31)),
    (date(2026, 10, 1), date(2026, 12, 2)),
]


def build(**options):
    from dispatcher.dashboard.upkeep import update_rollups

    return update_rollups(timezone=TZ, now=AFTER, **options)


def figures(office_id: int, first: date, last: date, *, use_rollups: bool):
    return dashboard.office_figures(
        session=db.session,
        office_id=office_id,
        period=period_for(first, last, TZ),
        use_rollups=use_rollups,
    )


def assert_rollups_match_records(office_ids):
    for office_id in office_ids:
        for first, last in RANGES:
            from_rollups = figures(office_id, first, last, use_rollups=True)
            from_records = figures(office_id, first, last, use_rollups=False)
            assert from_rollups == from_records, (office_id, first, last)


def read_from_rollups(first: date, last: date) -> set[date]:
    """The days of the range a dashboard would read from rollups."""
    period = period_for(first, last, TZ)
    chosen, left = dashboard_rollups.cover(
        period, dashboard_rollups.fresh_rollups(session=db.session, period=period)
    )
    return {day for day in days_between(first, last)} - set(left) if chosen else set()


@pytest.fixture
def records(request, office):
    """Two offices' seeded records (seed 1 unless the test says), committed; the
    rollups not built yet."""
    uptown = second_office()
    writer = RecordWriter(random.Random(getattr(request, "param", 1)))
    writer.leads(250)
    db.session.commit()
    return writer, [office.id, uptown.id]


@pytest.mark.parametrize("records", [1, 2, 3], indirect=True)
def test_rollups_give_the_figures_the_records_give(records):
    _, office_ids = records
    built, left = build()
    assert built > 40 and left == 0
    lengths = [
        (last - first).days + 1
        for first, last in db.session.execute(
            select(DashboardRollup.first_day, DashboardRollup.last_day)
        )
    ]
    # Weeks from Monday 19 October (the first lead is on a Sunday) to Sunday 6 December.
    assert (lengths.count(7), lengths.count(30) + lengths.count(31)) == (7, 2)
    # November is read from its month rollup alone, the long range from rollups only.
    november = period_for(date(2026, 11, 1), date(2026, 11, 30), TZ)
    chosen, left = dashboard_rollups.cover(
        november, dashboard_rollups.fresh_rollups(session=db.session, period=november)
    )
    assert (len(chosen), left) == (1, [])
    assert read_from_rollups(FIRST_DAY, LAST_DAY) == set(days_between(FIRST_DAY, LAST_DAY))
    assert_rollups_match_records(office_ids)


@pytest.mark.parametrize("records", [1, 2, 3], indirect=True)
def test_late_changes_are_read_from_the_records_until_built_again(records):
    writer, office_ids = records
    build()
    acked = db.session.scalars(
        select(Page).where(Page.state == "acknowledged").order_by(Page.id)
    ).all()
    open_page = db.session.scalars(select(Page).where(Page.state == "open")).first()
    # An outcome reported days later, and a second report replacing it.
    for page in acked[:3]:
        lead = db.session.get(Lead, page.lead_id)
        outcomes.record_outcome(
            session=db.session,
            lead=lead,
            person=db.session.get(Salesperson, page.salesperson_id),
            outcome="appointment_set",
            now=page.acknowledged_at + timedelta(days=3, seconds=17),
        )
    # An acknowledgement recorded after the day closed.
    assert pages.acknowledge_page(
        session=db.session,
        page_id=open_page.id,
        now=open_page.created_at + timedelta(hours=30),
        by="coordinator",
    )
    # A stub completed later: it keeps the time of the call.
    stub = db.session.scalars(select(Lead).where(Lead.state == "stub")).first()
    stub.state, stub.kind, stub.caller_name = "open", "seller", "Mr Late"
    # A lead logged late, one second before a local midnight; a fix typed in SQL.
    midnight = period_for(date(2026, 11, 15), date(2026, 11, 15), TZ).end
    writer.lead(midnight - timedelta(seconds=1), office_id=office_ids[1], state="acknowledged")
    db.session.execute(
        text("UPDATE page SET state = 'declined' WHERE id = :id"), {"id": acked[-1].id}
    )
    db.session.commit()

    changed = {page.created_at for page in (*acked[:3], open_page, acked[-1])} | {
        stub.created_at,
        midnight - timedelta(seconds=1),
    }
    stale_days = {_local_day(moment) for moment in changed}
    assert not stale_days & read_from_rollups(FIRST_DAY, LAST_DAY)
    assert_rollups_match_records(office_ids)

    built, _ = build()
    assert 0 < built <= 3 * len(stale_days)  # those days, their weeks and months
    assert db.session.scalar(select(func.count()).select_from(DashboardChange)) == 0
    assert read_from_rollups(FIRST_DAY, LAST_DAY) == set(days_between(FIRST_DAY, LAST_DAY))
    assert_rollups_match_records(office_ids)


def _local_day(moment: datetime) -> date:
    from dispatcher.clock import local_time

    return local_time(moment, TZ).date()


def test_the_dashboard_page_shows_the_same_with_and_without_rollups(manager, records):
    args = {"from": "2026-10-28", "to": "2026-11-30"}
    before = manager.get("/manager/dashboard.json", query_string=args).get_json()
    build()
    after = manager.get("/manager/dashboard.json", query_string=args).get_json()
    assert after == before
    export = manager.get("/manager/dashboard.csv", query_string={**args, "table": "salespeople"})
    assert export.status_code == 200


def exact_percentile(values: list[float], q: float) -> tuple[float, float]:
    """percentile_cont, and the larger of the two values it lies between."""
    ordered = sorted(values)
    target = q * (len(ordered) - 1)
    low = int(target)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (target - low), ordered[high]


def test_percentiles_are_within_the_stated_resolution(records):
    _, office_ids = records
    build()
    period = period_for(FIRST_DAY, LAST_DAY, TZ)
    durations: dict[tuple[int, str], list[float]] = {}
    for page, outcome_at in db.session.execute(
        select(Page, Lead.outcome_at)
        .join(Lead, Lead.id == Page.lead_id)
        .where(
            Page.acknowledged_at.is_not(None),
            Page.created_at >= period.start,
            Page.created_at < period.end,
        )
    ):
        response = page.acknowledged_at - (page.sent_at or page.created_at)
        durations.setdefault((page.salesperson_id, "response"), []).append(response.total_seconds())
        if outcome_at is not None:
            durations.setdefault((page.salesperson_id, "outcome"), []).append(
                (outcome_at - page.acknowledged_at).total_seconds()
            )
    checked = 0
    for office_id in office_ids:
        for person in figures(office_id, FIRST_DAY, LAST_DAY, use_rollups=True).salespeople:
            for which in ("response", "outcome"):
                values = durations.get((person.salesperson_id, which), [])
                shown = getattr(person, which)
                assert shown.count == len(values)
                for q, value in zip(QUANTILES, (shown.median, shown.p90), strict=True):
                    if not values:
                        assert value is None
                        continue
                    exact, upper = exact_percentile(values, q)
                    # To the nearest second, and from the buckets' limit (an hour for page
                    # -> ack, ten minutes for ack -> outcome) on within 1%.
                    limit = (RESPONSE if which == "response" else OUTCOME).exact_below
                    allowed = 0.5 + 0.001 + (0.01 * upper if upper >= limit - 0.5 else 0)
                    assert abs(value - exact) <= allowed, (person.name, which, q)
                    checked += 1
    assert checked > 20


def a_rollup_of(day: date) -> DashboardRollup:
    return db.session.scalar(
        select(DashboardRollup).where(
            DashboardRollup.first_day == day, DashboardRollup.last_day == day
        )
    )


def test_a_change_during_a_build_leaves_the_rollup_stale(records):
    build()
    day = date(2026, 11, 10)
    rollup = a_rollup_of(day)
    version, computed = dashboard_rollups.compute_rollup(session=db.session, rollup_id=rollup.id)
    db.session.commit()
    # Meanwhile a page of that day changes, and the clock records the change.
    period = period_for(day, day, TZ)
    db.session.execute(
        update(Page)
        .where(Page.created_at >= period.start, Page.created_at < period.end)
        .values(state="failed")
    )
    db.session.commit()
    assert day not in read_from_rollups(day, day)  # its change is logged
    dashboard_rollups.record_changes(session=db.session)
    db.session.commit()
    dashboard_rollups.store_rollup(
        session=db.session, rollup_id=rollup.id, version=version, figures=computed, now=AFTER
    )
    db.session.commit()
    db.session.refresh(rollup)
    assert rollup.built_version < rollup.version
    assert day not in read_from_rollups(day, day)
    build()
    assert day in read_from_rollups(day, day)


def test_without_the_change_triggers_the_rollups_are_not_read(records):
    _, office_ids = records
    build()
    assert dashboard_rollups.rollups_usable(db.session)
    if PG_URL:
        db.session.execute(text("ALTER TABLE lead DISABLE TRIGGER dashboard_change_lead"))
    else:
        db.session.execute(text("DROP TRIGGER dashboard_change_lead_update"))
    assert not dashboard_rollups.rollups_usable(db.session)
    # A change the rollups cannot hear of still shows.
    db.session.execute(update(Lead).values(caller_name=""))
    with_rollups = figures(office_ids[0], FIRST_DAY, LAST_DAY, use_rollups=True)
    assert with_rollups == figures(office_ids[0], FIRST_DAY, LAST_DAY, use_rollups=False)
    assert sum(cell.named for cell in with_rollups.cells) == 0
    db.session.rollback()  # the trigger comes back with the transaction
    assert dashboard_rollups.rollups_usable(db.session)


def test_every_write_to_a_lead_or_page_is_logged(records):
    db.session.execute(text("DELETE FROM dashboard_change"))
    db.session.commit()
    page = db.session.scalars(select(Page).where(Page.state == "acknowledged")).first()
    lead = db.session.get(Lead, page.lead_id)
    db.session.execute(text("UPDATE lead SET notes = 'x' WHERE id = :id"), {"id": lead.id})
    logged = set(db.session.scalars(select(DashboardChange.at)))
    # The lead's day, and the day of its acknowledged page (its outcome time counts there).
    assert logged == {lead.created_at, page.created_at}
    db.session.execute(text("UPDATE page SET body = 'y' WHERE id = :id"), {"id": page.id})
    assert db.session.scalar(select(func.count()).select_from(DashboardChange)) == 3
    db.session.rollback()


def test_the_clock_builds_a_little_at_a_time_and_never_stops_the_sweep(app, records, monkeypatch):
    from dispatcher.dashboard import upkeep as dashboard_upkeep

    built, left = build(budget_seconds=0)
    assert (built, left > 0) == (1, True)  # one rollup, the latest day first
    assert a_rollup_of(AFTER.date() - timedelta(days=1)).built_version == 1

    def broken(**_):
        raise RuntimeError("database away")

    monkeypatch.setattr(dashboard_upkeep, "update_rollups", broken)
    dashboard_upkeep.refresh_rollups(app)  # logs, does not raise


def test_the_command_builds_the_days_that_are_over(app, office):
    writer = RecordWriter(random.Random(9))
    from dispatcher.clock import utcnow

    for hours in (30, 50, 75):
        writer.lead(utcnow() - timedelta(hours=hours))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["dashboard-rollups"])
    assert result.exit_code == 0, result.output
    assert "Built" in result.output and "1/" in result.output
    again = app.test_cli_runner().invoke(args=["dashboard-rollups"])
    assert "up to date" in again.output
    rebuilt = app.test_cli_runner().invoke(args=["dashboard-rollups", "--rebuild"])
    assert "Built" in rebuilt.output


def test_rollups_built_by_other_code_are_read_from_the_records_and_built_again(records):
    _, office_ids = records
    build()
    db.session.execute(
        update(DashboardRollup)
        .where(DashboardRollup.first_day >= date(2026, 11, 1))
        .values(figures_format=FORMAT - 1, figures={"format": FORMAT - 1})
    )
    db.session.commit()
    # The week of 26 October to 1 November is still read from its rollup.
    assert read_from_rollups(FIRST_DAY, LAST_DAY) == set(days_between(FIRST_DAY, date(2026, 11, 1)))
    assert_rollups_match_records(office_ids)
    built, _ = build()
    assert built == db.session.scalar(
        select(func.count()).where(DashboardRollup.first_day >= date(2026, 11, 1))
    )
    assert read_from_rollups(FIRST_DAY, LAST_DAY) == set(days_between(FIRST_DAY, LAST_DAY))
