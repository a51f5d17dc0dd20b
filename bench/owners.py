"""The owner look-up while a call is routed, with 1,000,000 clients of 5 numbers each
(issue 16): PostgreSQL, and SQLite for comparison.

A throw-away database (a fresh PostgreSQL database on BENCH_DATABASE_URL's server, default
postgresql://postgres@localhost/, dropped after; a SQLite file in a temporary folder) is
migrated with `flask db upgrade` and loaded in bulk with SQL: one office, 20 salespeople,
--clients clients with 5 numbers each (mobile and landlines), one in ten in a family,
each with an owner and a last follow-up within 40 days (so some have lapsed). Then
--lookups calls are looked up exactly as routing does (dispatcher.clients.registry.
known_clients: the caller's number and, for one call in five, a family member's; one in
ten numbers unknown), one at a time after a warm-up. Prints the median and p99 in ms,
and the machine's load average while it ran.

On a machine shared with other work, `--priority 10` (root only) raises this process and
its PostgreSQL backend by that many nice levels, so the tail measures the look-up rather
than the neighbours' turn on the CPU; both figures are worth reporting.

    .venv/bin/python bench/owners.py [--clients 1000000] [--lookups 20000] [--only postgresql]
        [--priority 10]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [
    ROOT,
    *(p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(__file__)),
]

from sqlalchemy import text  # noqa: E402

from bench.common import percentile, postgresql_database  # noqa: E402
from bench.dashboard import flask_upgrade, make_app  # noqa: E402

NOW = datetime(2026, 11, 30, 17, 0)
NUMBERS = 5
SALESPEOPLE = 20


def phone(client: int, slot: int) -> str:
    """The slot-th number of a client: distinct E.164 numbers, 5 per client."""
    return f"+1{200 + slot}{client:07d}"


def load(connection, clients: int, dialect: str) -> int:
    """One office, its salespeople, the clients and their numbers, in a few statements."""
    office = connection.execute(
        text(
            "INSERT INTO office (name, timezone, target_area, ownership_lapse_days, "
            "dispute_days, stand_in_needs_approval) VALUES ('Bench', 'America/New_York', '', "
            "20, 3, false) RETURNING id"
        )
    ).scalar_one()
    for n in range(1, SALESPEOPLE + 1):
        connection.execute(
            text(
                "INSERT INTO salesperson (office_id, name, mobile, skills, team, active, "
                "rotation_position, status, makeup_owed, sms_opted_out) VALUES "
                "(:office, :name, :mobile, '', 'A', true, :n, 'in_office', false, false)"
            ),
            {"office": office, "name": f"Salesperson {n}", "mobile": f"+1303555{n:04d}", "n": n},
        )
    first = connection.execute(text("SELECT min(id) FROM salesperson")).scalar_one()
    series = (
        "generate_series(1, :clients) AS n"
        if dialect == "postgresql"
        else "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :clients) "
        "SELECT n FROM s)"
    )
    # Follow-ups spread over the last 40 days: about half the clients have lapsed.
    days_ago = "(n % 40)" if dialect == "postgresql" else "(n % 40)"
    follow_up = (
        f"(TIMESTAMP '2026-11-30 17:00:00' - {days_ago} * INTERVAL '1 day')"
        if dialect == "postgresql"
        else f"datetime('2026-11-30 17:00:00', '-' || {days_ago} || ' days')"
    )
    connection.execute(
        text(
            f"INSERT INTO client (id, office_id, name, title, need, stage, stage_reason, "  # nosec B608 # constant SQL, no input
            f"created_at, family_id, owner_id, owner_team, owner_since, last_follow_up_at, "
            f"disputed) SELECT n, :office, 'Client', 'Ms', '', 'potential', '', {follow_up}, "
            f"NULL, :first + (n % {SALESPEOPLE}), 'A', {follow_up}, {follow_up}, false "
            f"FROM {series}"
        ),
        {"office": office, "clients": clients, "first": first},
    )
    # One client in ten belongs to the family of the client before it (O9).
    connection.execute(
        text("UPDATE client SET family_id = id - 1 WHERE id % 10 = 0"),
    )
    for slot in range(NUMBERS):
        number = f"'+1{200 + slot}' || " + (
            "lpad(n::text, 7, '0')" if dialect == "postgresql" else "substr('0000000' || n, -7)"
        )
        connection.execute(
            text(
                f"INSERT INTO client_number (office_id, client_id, phone, kind) "  # nosec B608 # constant SQL
                f"SELECT :office, n, {number}, :kind FROM {series}"
            ),
            {"office": office, "clients": clients, "kind": "mobile" if slot == 0 else "landline"},
        )
    connection.execute(text("ANALYZE"))
    return office


def settle(app) -> None:
    """VACUUM and a checkpoint after the bulk load, as a table a year old would be: else
    autovacuum and the checkpointer rewrite the fresh 6,000,000 rows while the look-ups
    are timed, which measures the load, not the look-up."""
    from dispatcher.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
            connection.execute(text("CHECKPOINT"))


def raise_priority(session, by: int) -> None:
    """This process and its database backend (PostgreSQL's own process) up by ``by``."""
    os.setpriority(os.PRIO_PROCESS, 0, -by)
    if session.get_bind().dialect.name == "postgresql":
        backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        os.setpriority(os.PRIO_PROCESS, backend, -by)


def time_lookups(app, office_id: int, clients: int, lookups: int, priority: int) -> list[float]:
    from dispatcher.clients.registry import known_clients
    from dispatcher.extensions import db
    from dispatcher.models import Office

    rng = random.Random(16)
    seconds = []
    with app.app_context():
        office = db.session.get(Office, office_id)
        if priority:
            raise_priority(db.session, priority)
        for round_ in range(lookups + 500):
            client = rng.randint(1, clients)
            numbers = [phone(client, rng.randrange(NUMBERS))]
            if rng.random() < 0.1:
                numbers = [phone(clients + rng.randint(1, clients), 0)]  # nobody's number
            if rng.random() < 0.2:
                numbers.append(phone(rng.randint(1, clients), 0))  # a family member's
            # As when a call is routed: the office loaded with the request, the transaction
            # open (the lead is inserted before its owner is looked up).
            db.session.execute(text("SELECT 1"))
            office.timezone  # noqa: B018
            start = time.perf_counter()
            known_clients(db.session, office=office, phones=numbers, now=NOW)
            took = time.perf_counter() - start
            db.session.rollback()  # as a request ends: nothing kept between calls
            if round_ >= 500:  # after the warm-up
                seconds.append(took)
    return seconds


def run(label: str, url: str, instance: str, args) -> None:
    flask_upgrade(url, instance)
    app = make_app(url, instance)
    from dispatcher.extensions import db

    started = time.perf_counter()
    with app.app_context(), db.engine.begin() as connection:
        office = load(connection, args.clients, db.engine.dialect.name)
    loaded = time.perf_counter() - started
    settle(app)
    seconds = time_lookups(app, office, args.clients, args.lookups, args.priority)
    with app.app_context():
        db.engine.dispose()
    print(
        f"{label}: {args.clients:,} clients x {NUMBERS} numbers (loaded in {loaded:.0f} s); "
        f"owner look-up p50 {percentile(seconds, 50) * 1000:.3f} ms, "
        f"p99 {percentile(seconds, 99) * 1000:.3f} ms, max {max(seconds) * 1000:.1f} ms "
        f"(n={len(seconds):,}; load average {os.getloadavg()[0]:.1f}"
        f"{f', priority +{args.priority}' if args.priority else ''})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--only", choices=("postgresql", "sqlite"))
    parser.add_argument(
        "--priority", type=int, default=0, help="nice levels up for this process and its backend"
    )
    args = parser.parse_args()
    if args.only != "sqlite":
        base = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@localhost/")
        admin, name, url = postgresql_database(base)
        if admin is None:
            print(f"PostgreSQL skipped: {url}")
        else:
            try:
                with tempfile.TemporaryDirectory() as instance:
                    run("PostgreSQL", url, instance, args)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                admin.dispose()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as instance:
            url = "sqlite:///" + os.path.join(instance, "bench.sqlite")
            run("SQLite", url, instance, args)


if __name__ == "__main__":
    main()
