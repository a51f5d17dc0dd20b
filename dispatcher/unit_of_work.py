"""How views, webhooks and jobs write and read: one unit of work per change, jobs queued
only after its commit, and reads that never hold SQLite's one write lock.

The services change rows and never commit; whoever called them (a view, a webhook, a job)
says where the work ends with these helpers, so the rules below live here alone:

- A job must never see uncommitted rows: jobs are queued after the commit, by one
  mechanism: the session keeps what to queue (``queue_after_commit``) and queues it right
  after its commit; a rollback drops it with the rows. The caller of a service names
  what it returned (``commit_then_enqueue``, or ``unit_of_work`` collecting the pages as
  the work goes); a service deep in a change names what it wrote itself (the note to a
  salesperson whose page was taken, dispatcher/pages/taken.py), so that every caller of
  it need not carry one more id. Redis away, or no app to queue from: the sweeper sends
  it later, as for any SMS whose job was lost.
- On SQLite every transaction that may write takes the database's one write lock when it
  begins (dispatcher/sqlite.py). A transaction left open after the work, or begun by a
  read after the commit, holds up every call being logged meanwhile. So: read what the
  jobs need before the commit (their ids are arguments, read before it), end a read that
  changed nothing (``end_read``), and begin any read after the commit as a read
  (``reading_from_here``; the dashboard's long reads use ``report_session``). On
  PostgreSQL all of this costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import has_app_context
from sqlalchemy import event, text
from sqlalchemy.orm import Session, scoped_session

from dispatcher.extensions import db
from dispatcher.queue import (
    enqueue_manager_message,
    enqueue_page_call,
    enqueue_send,
    schedule_reach_check,
)

# session.info key: the (enqueue function, record id) pairs to queue after its commit
_TO_QUEUE = "queue_after_commit"


def queue_after_commit(
    session: Session,
    *,
    pages: Iterable[int | None] = (),
    manager_messages: Iterable[int | None] = (),
    page_calls: Iterable[int | None] = (),
    reach_checks: Iterable[int] = (),
) -> None:
    """Queue the sending of these pages and manager's SMS, and the voice calls of these
    pages, once ``session`` commits, in the order given (None entries are skipped, so
    optional ids go in as they are), and schedule the reach checks of these acknowledged
    pages; nothing if it rolls back."""
    plain = session() if isinstance(session, scoped_session) else session
    waiting = plain.info.setdefault(_TO_QUEUE, [])
    waiting.extend((enqueue_send, page_id) for page_id in pages if page_id is not None)
    waiting.extend(
        (enqueue_manager_message, message_id)
        for message_id in manager_messages
        if message_id is not None
    )
    waiting.extend((enqueue_page_call, page_id) for page_id in page_calls if page_id is not None)
    waiting.extend((schedule_reach_check, page_id) for page_id in reach_checks)


@event.listens_for(Session, "after_commit")
def _queue_waiting(session: Session) -> None:
    waiting = session.info.pop(_TO_QUEUE, None)
    if not waiting or not has_app_context():
        return
    for enqueue, record_id in waiting:
        enqueue(record_id)  # never raises: False when Redis is away


@event.listens_for(Session, "after_rollback")
def _drop_waiting(session: Session) -> None:
    session.info.pop(_TO_QUEUE, None)


@dataclass
class Work:
    """What follows the commit of a unit of work: the pages to send."""

    pages: list[int | None] = field(default_factory=list)

    def send(self, page_id: int | None) -> None:
        """Send this page once the work is committed (None: nothing to send)."""
        self.pages.append(page_id)


@contextmanager
def unit_of_work(session: Session | None = None, *, keep_loaded: bool = False) -> Iterator[Work]:
    """Commit on success and then queue what the work asked to send; on any error roll
    back (nothing half-done is kept, nothing is queued) and raise it again.

    ``keep_loaded``: the objects read in the work keep their values after the commit, for
    an answer built from them without reading again (a read after the commit begins
    another transaction, and on SQLite holds the write lock to the end of the request)."""
    session = session or db.session
    work = Work()
    try:
        yield work
    except BaseException:
        session.rollback()
        raise
    plain = session() if isinstance(session, scoped_session) else session
    expiring = plain.expire_on_commit
    plain.expire_on_commit = expiring and not keep_loaded
    try:
        commit_then_enqueue(pages=work.pages, session=session)
    finally:
        plain.expire_on_commit = expiring


def commit_then_enqueue(
    *,
    pages: Iterable[int | None] = (),
    manager_messages: Iterable[int | None] = (),
    session: Session | None = None,
) -> None:
    """Commit, then queue the sending of these pages and manager's SMS (None entries are
    skipped, so an outcome's optional ids go in as they are), after anything the work
    itself asked to queue (``queue_after_commit``). The ids are read before the commit:
    a read after it would begin a transaction."""
    session = session or db.session
    queue_after_commit(session, pages=pages, manager_messages=manager_messages)
    session.commit()


def end_read(session: Session | None = None) -> None:
    """End a transaction that only read: nothing to keep, and on SQLite the write lock
    its beginning took is let go now, not at the end of the request or job."""
    (session or db.session).rollback()


def read_first(session: Session | None = None) -> bool:
    """Begin the session's first transaction as a read, on SQLite only, for what a request
    checks before it writes (the API's token and office): the write lock is then taken
    at its first write, not held through its form checks and phone parsing while other
    calls wait. True when begun so; end it with ``end_read_keeping``. False (nothing
    done) on PostgreSQL, whose transactions lock nothing up front, or when the session
    is already in a transaction."""
    session = session or db.session
    plain = session() if isinstance(session, scoped_session) else session
    if plain.in_transaction() or plain.get_bind().dialect.name != "sqlite":
        return False
    session.connection(execution_options={"reads_only": True})
    return True


def end_read_keeping(*records: object, session: Session | None = None) -> None:
    """End the read begun by ``read_first``; ``records`` stay loaded in the session, not
    read again (ending a transaction expires every record, and the next read would take
    the write lock). Their values are those of the read: for records that a request only
    reads, like its office."""
    session = session or db.session
    for record in records:
        session.expunge(record)
    session.rollback()
    for record in records:
        session.add(record)


def reading_from_here(session: Session | None = None) -> None:
    """Begin the session's next transaction as a read (no-op on PostgreSQL), for a view
    that has committed and only reads to answer: on SQLite a write transaction would
    hold the one write lock meanwhile (measured: a third of the lock time of logging a
    call). Nothing may be written after this in the same request."""
    (session or db.session).connection(execution_options={"reads_only": True})


@contextmanager
def report_session() -> Iterator[Session]:
    """A session of its own for long reads (the dashboard's figures, its rollups). On
    SQLite its transaction starts deferred (dispatcher/sqlite.py), so a long report never
    holds up a call being logged."""
    session = Session(db.engine.execution_options(reads_only=True))
    if session.get_bind().dialect.name == "postgresql":
        # The percentiles sort a year of durations: in memory, not in temporary files
        # (the default 4 MB spills; measured 20% slower in bench/dashboard.py).
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    try:
        yield session
    finally:
        session.close()
