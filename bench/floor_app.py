"""The floor under POST /api/leads: the real app (create_app(), its settings, its
before-request gate, headers and database tuning) with one bench-only endpoint that
does the least the API's work needs: insert one row, commit, enqueue one RQ job.

The endpoint is bench-only: it is not a route of the production app, and its rule is
added to the role table (dispatcher/access.py) here, in this app alone.

    gunicorn "bench.floor_app:create_floor_app()"
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, jsonify
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert

from dispatcher import create_app
from dispatcher.access import ACCESS, PUBLIC
from dispatcher.extensions import csrf, db
from dispatcher.queue import queue

metadata = MetaData()
# A table of its own, so the floor writes a row as small as a lead's and touches no
# record of the office.
floor_row = Table(
    "bench_floor",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("note", String(40), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

bp = Blueprint("floor", __name__)
csrf.exempt(bp)


def nothing(row_id: int) -> int:
    """The floor's job: RQ only has to find it."""
    return row_id


@bp.post("/floor")
def log_row():
    """One row, one commit, one job, a small JSON answer."""
    row_id = db.session.execute(
        insert(floor_row).values(note="floor", created_at=datetime.now(UTC).replace(tzinfo=None))
    ).inserted_primary_key[0]
    db.session.commit()
    queue().enqueue(nothing, row_id, job_id=f"floor-{row_id}", result_ttl=600)
    return jsonify({"id": row_id}), 201


def create_floor_app() -> Flask:
    """The production app plus the floor endpoint, whose rule lives in this app only."""
    app = create_app()
    ACCESS["floor.log_row"] = PUBLIC
    app.register_blueprint(bp, url_prefix="/bench")
    with app.app_context():
        # bench/api_floor.py makes the table before the web workers start (two workers
        # making it at once could collide); this covers an app built alone.
        metadata.create_all(db.engine)
    return app
