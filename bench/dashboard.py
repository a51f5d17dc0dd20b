"""The manager's dashboard on 1,000,000 calls (issue 6): SQLite and PostgreSQL.

Each database is throw-away: a SQLite file in a temporary folder, and a fresh PostgreSQL
database on BENCH_DATABASE_URL's server (default postgresql://postgres@localhost/; the
PostgreSQL half is skipped with a message when it does not answer). Both are migrated
with `flask db upgrade`, then loaded in bulk (bench/dashboard_data.py: 30 salespeople,
two years, about 1.2 pages a lead) and analysed; then the dashboard's rollups are built
(timed) for every day but the last, which plays today and is read from the records.
For a 30-day and a 1-year range ending on that day, the figures (through the rollups,
and from the records alone as before them), the latest leads and the whole
/manager/dashboard page (Flask test client, signed in as a manager) are timed: the
median of --runs runs after one warm-up. Last, a late change (an outcome for a lead of
last March): the year's page while that day, its week and its month are read from the
records, and the clock building them again.

    .venv/bin/python bench/dashboard.py [--leads 1000000] [--runs 5] [--only sqlite]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [
    ROOT,
    *(p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(__file__)),
]

from sqlalchemy import select, text  # noqa: E402

from bench import dashboard_data  # noqa: E402
from bench.common import postgresql_database  # noqa: E402

TIMEZONE = "America/New_York"
LAST_DAY = date(2026, 11, 22)
DAYS = 730
RANGES = (("30 days", 30), ("1 year", 365))
# The bench's clock when rollups are built: noon on LAST_DAY in New York (UTC).
TODAY_NOON = datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, 17)


def flask_upgrade(url: str, instance: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "INSTANCE_PATH": instance,
        "REDIS_URL": "redis://127.0.0.1:1/0",  # never used by a migration
        "RATELIMIT_STORAGE_URI": "memory://",
        "DISPATCH_DEVELOPMENT_MODE": "1",  # a throw-away database: a generated key
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "dispatcher", "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def make_app(url: str, instance: str):
    os.environ["INSTANCE_PATH"] = instance
    from dispatcher import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "RATELIMIT_STORAGE_URI": "memory://",
            "DEVELOPMENT_MODE": True,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "OFFICE_TIMEZONE": TIMEZONE,
            "TWILIO_ACCOUNT_SID": None,
        }
    )


def set_up_office(app) -> tuple[int, list, list[int]]:
    """The office, its salespeople and listings and a manager's sign-in, through the ORM."""
    import random

    from dispatcher.extensions import db
    from dispatcher.models import Listing, Salesperson, User
    from dispatcher.office.setup import office_from_settings

    rng = random.Random(7)
    with app.app_context():
        office = office_from_settings(session=db.session, config=app.config)
        people = [
            Salesperson(office_id=office.id, name=f"Salesperson {n:02d}", mobile=f"+1202555{n:04d}")
            for n in range(1, dashboard_data.SALESPEOPLE + 1)
        ]
        db.session.add_all(people)
        db.session.flush()
        listings = [
            Listing(
                office_id=office.id,
                reference=f"L-{1000 + n}",
                address=f"{n} Elm St",
                agent_id=rng.choice(people).id,
            )
            for n in range(dashboard_data.LISTINGS)
        ]
        db.session.add_all(listings)
        manager = User(office_id=office.id, username="manager", role="manager")
        manager.set_password("bench-password")
        db.session.add(manager)
        db.session.commit()
        return office.id, [p.id for p in people], [listing.id for listing in listings]


def generator_for(app, leads: int):
    office_id, people_ids, listing_ids = set_up_office(app)
    import random

    rng = random.Random(6)
    people = dashboard_data.office_people(rng, people_ids[0])
    return office_id, dashboard_data.Generator(
        leads=leads,
        last_day=LAST_DAY,
        days=DAYS,
        office_id=office_id,
        people=people,
        listing_ids=listing_ids,
        timezone=TIMEZONE,
        outcomes=True,
    )


def load_sqlite(path: str, generator) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")

    def write(table, names, rows):
        marks = ", ".join("?" for _ in names)
        columns = ", ".join(f'"{name}"' for name in names)
        connection.execute("BEGIN")
        connection.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows)
        connection.execute("COMMIT")

    dashboard_data.load(write, generator, sqlite=True)
    started = time.monotonic()
    connection.execute("ANALYZE")
    connection.close()
    print(f"  analysed in {time.monotonic() - started:.0f} s")


def load_postgresql(url: str, generator) -> None:
    import psycopg

    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    # Throw-away data written in id order: skip the foreign-key triggers row by row.
    connection.execute("SET session_replication_role = replica")

    def write(table, names, rows):
        columns = ", ".join(f'"{name}"' for name in names)
        with (
            connection.cursor() as cursor,
            cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(row)
        connection.commit()

    dashboard_data.load(write, generator, sqlite=False)
    for table in ("lead", "assignment", "page"):
        connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    connection.commit()
    connection.autocommit = True
    started = time.monotonic()
    connection.execute("VACUUM ANALYZE")
    connection.close()
    print(f"  vacuumed and analysed in {time.monotonic() - started:.0f} s")


def median_ms(action, runs: int) -> float:
    action()  # warm-up: the first run reads the file into the cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def build_rollups(app) -> float:
    """Every rollup up to the day before LAST_DAY: LAST_DAY is 'today', read from the
    records, as the last day of a manager's range is. Seconds taken."""
    from collections import Counter

    from dispatcher.dashboard.upkeep import update_rollups
    from dispatcher.extensions import db
    from dispatcher.models import DashboardRollup

    started = time.monotonic()
    with app.app_context():
        built, _ = update_rollups(timezone=TIMEZONE, now=TODAY_NOON)
        spans = Counter(
            {1: "days", 7: "weeks"}.get((last - first).days + 1, "months")
            for first, last in db.session.execute(
                select(DashboardRollup.first_day, DashboardRollup.last_day)
            )
        )
    seconds = time.monotonic() - started
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(spans.items()))
    print(f"  rollups: {built} built ({kinds}) in {seconds:.1f} s", flush=True)
    return seconds


def figure_timings(app, office_id: int, period, runs: int) -> dict[str, float]:
    """The figures through the rollups and from the records alone, and the latest leads."""
    from dispatcher.dashboard import figures as dashboard
    from dispatcher.unit_of_work import report_session

    actions = {
        "figures, rollups": lambda session: dashboard.office_figures(
            session=session, office_id=office_id, period=period
        ),
        "figures, records alone": lambda session: dashboard.office_figures(
            session=session, office_id=office_id, period=period, use_rollups=False
        ),
        "latest leads": lambda session: dashboard.recent_leads(
            session=session, office_id=office_id, period=period
        ),
    }
    timings = {}
    with app.app_context():
        for name, action in actions.items():

            def run(action=action):
                with report_session() as session:
                    action(session)

            timings[name] = median_ms(run, runs if "alone" not in name else min(runs, 3))
    return timings


def page_timing(client, period, runs: int, path: str = "/manager/dashboard") -> float:
    args = {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}

    def get():
        response = client.get(path, query_string=args)
        assert response.status_code == 200, response.status_code

    return median_ms(get, runs)


def periods():
    from dispatcher.dashboard.period import period_for

    return [
        (label, period_for(LAST_DAY - timedelta(days=days - 1), LAST_DAY, TIMEZONE))
        for label, days in RANGES
    ]


def signed_in_client(app):
    client = app.test_client()
    signed = client.post("/sign-in", data={"username": "manager", "password": "bench-password"})
    assert signed.status_code == 302, "the bench manager could not sign in"
    return client


def measure(app, office_id: int, runs: int) -> dict:
    client = signed_in_client(app)
    print(f"\n  {'range':<9} {'what':<34} {'median ms':>10}")
    figures = {}
    for label, period in periods():
        timings = figure_timings(app, office_id, period, runs)
        for name, ms in timings.items():
            print(f"  {label:<9} {name:<34} {ms:>10.1f}")
        page = page_timing(client, period, runs)
        figures[label] = {**timings, "page": page}
        print(f"  {label:<9} {'GET /manager/dashboard':<34} {page:>10.1f}", flush=True)
    return figures


def late_change(app, runs: int) -> None:
    """An outcome reported today for a lead of last March: that day, its week and its
    month are read from the records until the clock builds them again."""
    from dispatcher.dashboard.upkeep import update_rollups
    from dispatcher.extensions import db
    from dispatcher.models import Lead

    march = datetime(2026, 3, 17, 15)
    with app.app_context():
        lead = db.session.scalars(
            select(Lead).where(Lead.created_at >= march, Lead.outcome_at.is_not(None)).limit(1)
        ).one()
        lead.outcome, lead.outcome_at = "other", datetime(2026, 11, 22, 18)
        db.session.commit()
    label, period = periods()[-1]
    page = page_timing(signed_in_client(app), period, runs)
    print(f"  {label:<9} {'GET, a day, week, month stale':<34} {page:>10.1f}")
    started = time.monotonic()
    with app.app_context():
        built, _ = update_rollups(timezone=TIMEZONE, now=TODAY_NOON)
    print(f"  the clock built {built} again in {time.monotonic() - started:.1f} s")


def bench_database(label: str, url: str, instance: str, args) -> None:
    print(f"\n== {label}: {args.leads:,} leads over {DAYS} days", flush=True)
    started = time.monotonic()
    flask_upgrade(url, instance)
    app = make_app(url, instance)
    office_id, generator = generator_for(app, args.leads)
    print(f"  migrated in {time.monotonic() - started:.0f} s; loading", flush=True)
    started = time.monotonic()
    if url.startswith("sqlite"):
        load_sqlite(url.removeprefix("sqlite:///"), generator)
    else:
        load_postgresql(url, generator)
    print(f"  loaded in {time.monotonic() - started:.0f} s", flush=True)
    build_rollups(app)
    # Other work on the machine shows in the figures: say how busy it was.
    print(f"  load average before timing: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    measure(app, office_id, args.runs)
    late_change(app, args.runs)
    print(f"  load average after timing: {os.getloadavg()[0]:.1f}")
    from dispatcher.extensions import db

    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dispatch-dashboard-bench-") as instance:
        if args.only != "postgresql":
            url = "sqlite:///" + os.path.join(instance, "bench.sqlite")
            bench_database("SQLite", url, instance, args)
        if args.only != "sqlite":
            base = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@localhost/")
            admin, name, url = postgresql_database(base)
            if admin is None:
                print(f"\n== PostgreSQL skipped: {base} did not answer ({url})")
                return
            try:
                bench_database("PostgreSQL", url, instance, args)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
