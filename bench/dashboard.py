"""The manager's dashboard on 1,000,000 calls (issue 6): SQLite and PostgreSQL.

Each database is throw-away: a SQLite file in a temporary folder, and a fresh PostgreSQL
database on BENCH_DATABASE_URL's server (default postgresql://postgres@localhost/; the
PostgreSQL half is skipped with a message when it does not answer). Both are migrated
with `flask db upgrade`, then loaded in bulk (bench/dashboard_data.py: 30 salespeople,
two years, about 1.2 pages a lead) and analysed. Then, for a 30-day and a 1-year range,
each of the dashboard's queries and the whole /manager/dashboard page (Flask test
client, signed in as a manager) is timed: the median of --runs runs after one warm-up.
Then the percentile methods side by side, and each candidate index created ad hoc.

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
import uuid
from datetime import date, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [
    ROOT,
    *(p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(__file__)),
]

from sqlalchemy import create_engine, text  # noqa: E402

from bench import dashboard_data  # noqa: E402

TIMEZONE = "America/New_York"
LAST_DAY = date(2026, 11, 22)
DAYS = 730
RANGES = (("30 days", 30), ("1 year", 365))
# Candidate indexes, tried one at a time: (name, table, columns). The first covers the
# salesperson figures: counts, durations and the join to the lead come from the index
# alone, already grouped by salesperson.
CANDIDATES = (
    (
        "ix_bench_page_salesperson_created",
        "page",
        ("salesperson_id", "created_at", "state", "sent_at", "acknowledged_at", "lead_id"),
    ),
    ("ix_bench_page_created_at", "page", ("created_at",)),
)


def flask_upgrade(url: str, instance: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "INSTANCE_PATH": instance,
        "REDIS_URL": "redis://127.0.0.1:1/0",  # never used by a migration
        "RATELIMIT_STORAGE_URI": "memory://",
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
    from dispatcher.intake import current_office
    from dispatcher.models import Listing, Salesperson, User

    rng = random.Random(7)
    with app.app_context():
        office = current_office()
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
    from dispatcher.services.dashboard import outcomes_recorded

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
        outcomes=outcomes_recorded(),
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


def query_timings(app, office_id: int, period, runs: int, only=None) -> dict[str, float]:
    from dispatcher.dashboard import report_session
    from dispatcher.services import dashboard

    scope = {"office_id": office_id, "period": period}
    queries = {
        "salesperson_figures": dashboard.salesperson_figures,
        "call_cells": dashboard.call_cells,
        "calls_by_source": dashboard.calls_by_source,
        "calls_by_listing": dashboard.calls_by_listing,
        "outcome_counts": dashboard.outcome_counts,
        "recent_leads": dashboard.recent_leads,
    }
    queries = {name: query for name, query in queries.items() if only in (None, name)}
    timings = {}
    with app.app_context():
        for name, query in queries.items():

            def run(query=query):
                with report_session() as session:
                    query(session=session, **scope)

            timings[name] = median_ms(run, runs)
    return timings


def page_timing(client, period, runs: int, path: str = "/manager/dashboard") -> float:
    args = {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}

    def get():
        response = client.get(path, query_string=args)
        assert response.status_code == 200, response.status_code

    return median_ms(get, runs)


def periods():
    from dispatcher.services.dashboard_period import period_for

    return [
        (label, period_for(LAST_DAY - timedelta(days=days - 1), LAST_DAY, TIMEZONE))
        for label, days in RANGES
    ]


def measure(app, office_id: int, runs: int, title: str) -> dict:
    client = app.test_client()
    signed = client.post("/sign-in", data={"username": "manager", "password": "bench-password"})
    assert signed.status_code == 302, "the bench manager could not sign in"
    print(f"\n  {title}")
    print(f"  {'range':<9} {'query':<28} {'median ms':>10}")
    figures = {}
    for label, period in periods():
        queries = query_timings(app, office_id, period, runs)
        for name, ms in queries.items():
            print(f"  {label:<9} {name:<28} {ms:>10.1f}")
        page = page_timing(client, period, runs)
        figures[label] = {**queries, "page": page}
        print(f"  {label:<9} {'GET /manager/dashboard':<28} {page:>10.1f}", flush=True)
    return figures


def compare_percentiles(app, office_id: int, runs: int, dialect: str) -> None:
    from dispatcher.dashboard import report_session
    from dispatcher.services import dashboard, spreads

    label, period = periods()[-1]
    methods = ["window", "python"] + (["percentile_cont"] if dialect == "postgresql" else [])
    print(f"\n  percentiles, salesperson_figures over {label}:")
    default = spreads.PERCENTILE_METHOD[dialect]
    with app.app_context():
        for method in methods:
            spreads.PERCENTILE_METHOD[dialect] = method

            def run():
                with report_session() as session:
                    dashboard.salesperson_figures(
                        session=session, office_id=office_id, period=period
                    )

            print(f"    {method:<16} {median_ms(run, runs):>8.1f} ms", flush=True)
    spreads.PERCENTILE_METHOD[dialect] = default


def try_indexes(app, office_id: int, runs: int, dialect: str, baseline: dict) -> None:
    from dispatcher.extensions import db

    print("\n  candidate indexes, one at a time (medians, ms, before -> with the index):")
    for name, table, columns in CANDIDATES:
        started = time.monotonic()
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text(f'CREATE INDEX {name} ON "{table}" ({", ".join(columns)})'))
            # PostgreSQL reads an index alone only where the visibility map allows.
            connection.execute(text(f'ANALYZE "{table}"'))
        if dialect == "postgresql":
            with app.app_context(), db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text(f'VACUUM "{table}"')
                )
        built = time.monotonic() - started
        client = app.test_client()
        client.post("/sign-in", data={"username": "manager", "password": "bench-password"})
        print(f"    {table}({', '.join(columns)})  (built in {built:.0f} s)")
        for label, period in periods():
            queries = query_timings(app, office_id, period, runs, only="salesperson_figures")
            page = page_timing(client, period, runs)
            before = baseline[label]
            print(
                f"      {label:<9} salesperson_figures {before['salesperson_figures']:.0f} -> "
                f"{queries['salesperson_figures']:.0f}; page {before['page']:.0f} -> {page:.0f}"
            )
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text(f"DROP INDEX {name}"))


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
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    # Other work on the machine shows in the figures: say how busy it was.
    print(f"  load average before timing: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    baseline = measure(app, office_id, args.runs, "as migrated")
    compare_percentiles(app, office_id, args.runs, dialect)
    if not args.no_indexes:
        try_indexes(app, office_id, args.runs, dialect, baseline)
    print(f"  load average after timing: {os.getloadavg()[0]:.1f}")
    from dispatcher.extensions import db

    with app.app_context():
        db.engine.dispose()


def postgresql_database(base: str):
    """A fresh database on the server, or None (and why) when it does not answer."""
    name = f"dispatch_bench_{uuid.uuid4().hex[:8]}"
    admin_url = base.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 (any failure means: skip PostgreSQL)
        admin.dispose()
        return None, None, f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return admin, name, admin_url.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--no-indexes", action="store_true", help="skip the index trials")
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
