"""Issue 7, races 1-2 at full size: 1,000 acknowledgements arriving uniformly within the
deadline +/- 100 ms while the deadline check runs from another process, and 500 deadline
checks forced to run 0.9 s early. Prints the counts that must be zero.

    .venv/bin/python bench/races.py [--trials 1000]        (SQLite)
    BENCH_DATABASE_URL=postgresql://postgres@localhost/ \
        .venv/bin/python bench/races.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def race(url: str | None, args) -> tuple[dict, dict]:
    """Both races on a fresh database: the counts of each."""
    from flask_migrate import upgrade

    from dispatcher import create_app
    from dispatcher.dev.demo import load_demo_office
    from dispatcher.extensions import db
    from dispatcher.office.setup import office_from_settings
    from testkit.race_harness import run_races, verdict

    tmp = tempfile.mkdtemp(prefix="dispatch-races-")
    os.environ["INSTANCE_PATH"] = tmp
    url = url or f"sqlite:///{tmp}/races.sqlite"
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "DEVELOPMENT_MODE": True,
    }
    app = create_app(settings)
    with app.app_context():
        upgrade()
        office = office_from_settings(session=db.session, config=app.config)
        load_demo_office(session=db.session, office=office, region="US")
        db.session.commit()
        settings["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
        raced = run_races(settings=settings, office=office, trials=args.trials, spread=0.1)
        counts = verdict(db.session, raced["made"], raced["seen"])
        early = run_races(
            settings=settings,
            office=office,
            trials=args.early_trials,
            spread=0.0,
            early=0.9,
            seed=2,
        )
        early_counts = verdict(db.session, early["made"], early["seen"])
        db.engine.dispose()  # before the database is dropped
    return counts, early_counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--early-trials", type=int, default=500)
    args = parser.parse_args()

    from bench.common import own_database

    with own_database() as url:
        counts, early_counts = race(url, args)
    database = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(f"races on {database}:")
    print(
        f"  {counts['trials']} ack-vs-deadline trials (ack within deadline +/- 100 ms): "
        f"{counts['acknowledged']} acknowledged, {counts['missed']} missed, "
        f"{counts['other']} other; double reassignments {counts['double_reassignments']}, "
        f"lost acks {counts['lost_acks']}, both sides won {counts['both_won']}, "
        f"early reassignments {counts['early']}"
    )
    print(
        f"  {early_counts['trials']} deadline checks run 0.9 s early: "
        f"{early_counts['missed']} reassigned (must be 0), "
        f"{early_counts['acknowledged']} acknowledged afterwards"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
