"""SQLite's one write lock, shared by the web, the workers and the sweeper: a write
waits its turn, takes the lock as soon as it is free, and gives up with a clear 503."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from dispatcher import sqlite
from dispatcher.extensions import db
from dispatcher.models import Lead
from tests.app_setup import PG_URL

pytestmark = [
    pytest.mark.skipif(bool(PG_URL), reason="SQLite's write lock"),
    pytest.mark.commits,  # a second connection takes the lock
]


def hold_write_lock(app, seconds: float) -> threading.Thread:
    """Another process's writer (its own connection) holding the lock for ``seconds``."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    taken = threading.Event()

    def writer() -> None:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        connection.execute("COMMIT")
        connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    taken.wait(5)
    return thread


def test_a_write_waits_for_the_lock_and_then_goes_ahead(app, office):
    db.session.rollback()
    holder = hold_write_lock(app, 0.3)
    began = time.monotonic()
    db.session.execute(text("UPDATE office SET name = name"))
    waited = time.monotonic() - began
    db.session.commit()
    holder.join()
    assert waited >= 0.25
    # The connection's own busy timeout is back for the reads that rely on it.
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    db.session.rollback()


def test_a_call_that_cannot_get_the_lock_answers_503_and_saves_nothing(app, office, monkeypatch):
    app.config["API_TOKEN"] = "t0ken"
    monkeypatch.setattr(sqlite, "BUSY_SECONDS", 0.2)
    db.session.rollback()
    holder = hold_write_lock(app, 1.0)
    response = app.test_client().post(
        "/api/leads",
        json={"caller_phone": "202-555-0188", "kind": "buyer"},
        headers={"Authorization": "Bearer t0ken"},
    )
    holder.join()
    assert response.status_code == 503
    assert "Nothing was saved" in response.json["error"]
    assert db.session.query(Lead).count() == 0


def test_a_call_with_bad_fields_is_answered_while_another_writer_holds_the_lock(
    app, office, monkeypatch
):
    # The token and its office are read without the write lock: the form is checked
    # before the lock is asked for, so a call that saves nothing does not wait for it.
    token = app.test_cli_runner().invoke(args=["create-token", "lock"]).output.strip()
    db.session.commit()
    monkeypatch.setattr(sqlite, "BUSY_SECONDS", 0.2)
    db.session.remove()
    holder = hold_write_lock(app, 1.0)
    began = time.monotonic()
    response = app.test_client().post(
        "/api/leads",
        json={"caller_phone": "not a number", "kind": "buyer"},
        headers={"Authorization": f"Bearer {token}"},
    )
    answered = time.monotonic() - began
    holder.join()
    assert response.status_code == 422, response.json
    assert "caller_phone" in response.json["errors"]
    assert answered < 0.2
