"""SQLite as the embedded default: WAL, and a fair wait for its one write lock.

The web, the workers and the sweeper share one file, and SQLite lets one of them write
at a time. Its own busy handler waits 1, 2, 5 ... then 100 ms between tries, so under a
steady stream of short writes a waiter that has already waited keeps sleeping through
the moments the lock is free while newcomers take it: measured in the load benchmark, a
webhook waited 0.8 s for a lock that was free for most of that time. A write
transaction here instead tries again every millisecond, as Rails does for the same
reason (its "fair retry interval busy handler").
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time

from flask import Flask
from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection

# How long a write transaction waits for the lock before "database is locked".
BUSY_SECONDS = 10.0
# Between tries for the write lock: short, so the lock is taken soon after it is free.
RETRY_SECONDS = 0.001


def keep_private(url: str) -> None:
    """The database file readable by its owner only: made 0600 before SQLite first
    opens it (SQLite gives its -wal and -shm files the same mode), or set so."""
    from dispatcher.startup import keep_private as owner_only

    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with contextlib.suppress(OSError):  # a folder that is not there: SQLite says so later
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            owner_only(path + suffix, 0o600)


def tune(app: Flask) -> None:
    """WAL, a busy timeout for reads, and write transactions that wait fairly."""
    from dispatcher.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # SQLAlchemy emits BEGIN itself (below), so the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection):
        if connection.get_execution_options().get("reads_only"):
            # The dashboard's long reads: under WAL they must not hold the write lock
            # and keep a call from being logged meanwhile.
            connection.exec_driver_sql("BEGIN")
            return
        # Take the write lock up front: a deferred transaction that read an older
        # snapshot fails when it later writes (SQLITE_BUSY_SNAPSHOT) instead of waiting.
        begin_immediate(connection)


def begin_immediate(connection: Connection) -> None:
    """BEGIN IMMEDIATE, trying every RETRY_SECONDS for up to BUSY_SECONDS; then one last
    try through SQLAlchemy, so that a lock still held raises its OperationalError (which
    the pages answer with 503) and not the driver's."""
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        give_up = time.monotonic() + BUSY_SECONDS
        while time.monotonic() < give_up:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error):
                    break  # not the lock: the try below raises it in SQLAlchemy's words
            time.sleep(RETRY_SECONDS)
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
