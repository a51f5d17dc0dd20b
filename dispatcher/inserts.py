"""New rows written at once with one INSERT each, not through the session's flush.

A flush works out, for every object the session holds, what changed and in which order
to write it; for a few new rows whose order the caller already knows, that bookkeeping
cost more than the INSERTs themselves (measured on logging a call, bench/api_floor.py:
two flushes were a quarter of the request's time, and most of SQLite's write-lock hold).
The record written stays a normal ORM record: ``insert_now`` makes it persistent in the
session, loaded with exactly the values written, so reading it reads nothing.

What the flush did and this does too: the ORM's scalar defaults, a many-to-one
relationship's foreign key (``Lead.listing`` -> ``listing_id``), None left out where the
column has a server default. What it does not: cascades (a related new object is not
written; write it first) and ordering against other pending objects (a row written here
goes out now, before anything still pending; its foreign keys must already be in the
database, as they are for an id read from a record).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Column, Insert, event, insert, inspect
from sqlalchemy.orm import (
    RelationshipDirection,
    Session,
    make_transient_to_detached,
    scoped_session,
)
from sqlalchemy.orm.attributes import set_committed_value


@dataclass(frozen=True)
class _Plan:
    statement: Insert
    id_key: str
    # (attribute, column) of every column but the id
    columns: tuple[tuple[str, Column], ...]
    # (relationship, ((foreign-key attribute, attribute on the related record), ...))
    many_to_one: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


@cache
def _plan(cls: type) -> _Plan:
    mapper = inspect(cls)
    (id_column,) = mapper.primary_key
    by_column = {prop.columns[0]: prop.key for prop in mapper.column_attrs}
    many_to_one = []
    for relationship in mapper.relationships:
        if relationship.direction is not RelationshipDirection.MANYTOONE:
            continue
        related = relationship.mapper
        pairs = tuple(
            (by_column[local], related.get_property_by_column(remote).key)
            for local, remote in relationship.local_remote_pairs
        )
        many_to_one.append((relationship.key, pairs))
    return _Plan(
        # Built once: building a statement costs more than running it (bench/README.md).
        statement=insert(mapper.local_table),
        id_key=by_column[id_column],
        columns=tuple(
            (key, column) for column, key in by_column.items() if column is not id_column
        ),
        many_to_one=tuple(many_to_one),
    )


def insert_now(session: Session, record: Any) -> Any:
    """Write the new ``record`` (transient: never added to a session) with one INSERT in
    the session's transaction, and return it persistent and loaded with what was written.
    """
    plan = _plan(type(record))
    state = inspect(record)
    if not state.transient:
        raise ValueError(f"insert_now writes a new record, not {state!r}")
    loaded = state.dict
    for relationship, pairs in plan.many_to_one:
        if relationship in loaded:
            related = loaded[relationship]
            for key, related_key in pairs:
                loaded[key] = None if related is None else getattr(related, related_key)
    values: dict[str, Any] = {}
    for key, column in plan.columns:
        value = loaded.get(key)
        if value is None and key not in loaded and column.default is not None:
            if not column.default.is_scalar:
                continue  # computed by the INSERT: left unloaded, read if asked for
            value = column.default.arg
        # As the flush does: None is NULL, or the server's default when the column has
        # one (left unloaded, read if asked for).
        if value is None and not column.type.should_evaluate_none and column.server_default:
            continue
        values[column.key] = value
    result = session.execute(plan.statement, values)
    values[plan.id_key] = result.inserted_primary_key[0]
    for key, column in plan.columns:
        if column.key in values:
            set_committed_value(record, key, values[column.key])
    set_committed_value(record, plan.id_key, values[plan.id_key])
    make_transient_to_detached(record)
    session.add(record)
    # The session does not know it wrote this record: if the transaction (or savepoint)
    # rolls back, the record must leave the session as a flushed new one would, or the
    # next record given the same id could not join it.
    plain = session() if isinstance(session, scoped_session) else session
    plain.info.setdefault(_WRITTEN, []).append(
        (plain.get_transaction(), plain.get_nested_transaction(), record)
    )
    return record


_WRITTEN = "dispatcher.inserts.written"


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    """Expunge the records insert_now wrote inside the transaction or savepoint undone."""
    written = session.info.get(_WRITTEN)
    if not written:
        return
    kept = []
    for outer, nested, record in written:
        if previous_transaction in (outer, nested) or not previous_transaction.nested:
            if inspect(record).session is session:
                session.expunge(record)
        else:
            kept.append((outer, nested, record))
    session.info[_WRITTEN] = kept


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
