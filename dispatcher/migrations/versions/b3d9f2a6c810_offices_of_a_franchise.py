"""offices of a franchise: a deadline per office, mobiles and listing refs per office

- office.ack_deadline_seconds: the office's own acknowledgement deadline (C5); NULL
  keeps the ACK_DEADLINE_SECONDS setting, so every existing office works as before.
- salesperson.mobile was unique across the installation: someone who works in two
  offices is a salesperson in each with one mobile, so it is unique per office now.
- listing.reference likewise: two offices may both have an L-1001.

The unnamed unique constraints of the initial schema are found by the name each
database gave them (PostgreSQL: <table>_<column>_key; SQLite: none, so the batch
copy names them by a convention first). Neither table has the dashboard triggers, so
SQLite's batch copy loses nothing.

Revision ID: b3d9f2a6c810
Revises: c4d2f7a9e1b3
Create Date: 2026-12-03 10:00:00.000000

"""

from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b3d9f2a6c810"
down_revision = "c4d2f7a9e1b3"
branch_labels = None
depends_on = None

_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_name(table: str, column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"{table}_{column}_key"
    return f"uq_{table}_{column}"


@contextmanager
def _foreign_keys_off_on_sqlite():
    """SQLite copies a batch-altered table, drops it and renames the copy: with foreign
    keys on (dispatcher/sqlite.py) dropping it fails while leads and pages point at its
    rows, and deferring the check does not help (the copy's rows were written before).
    PRAGMA foreign_keys is ignored inside a transaction: it is turned off between two,
    and every key is checked before it is turned on again."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("COMMIT")
        op.execute("PRAGMA foreign_keys = OFF")
        op.execute("BEGIN IMMEDIATE")
    yield
    if sqlite:
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the copy: {broken[:5]}")
        op.execute("COMMIT")
        op.execute("PRAGMA foreign_keys = ON")
        op.execute("BEGIN IMMEDIATE")


def _per_office(table: str, column: str) -> None:
    with op.batch_alter_table(table, naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.drop_constraint(_old_name(table, column), type_="unique")
        batch_op.create_unique_constraint(f"uq_{table}_office_id_{column}", ["office_id", column])


def _installation_wide(table: str, column: str) -> None:
    with op.batch_alter_table(table, naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.drop_constraint(f"uq_{table}_office_id_{column}", type_="unique")
        batch_op.create_unique_constraint(_old_name(table, column), [column])


def upgrade():
    # ADD COLUMN, nullable: done in place on SQLite.
    op.add_column("office", sa.Column("ack_deadline_seconds", sa.Integer(), nullable=True))
    with _foreign_keys_off_on_sqlite():
        _per_office("salesperson", "mobile")
        _per_office("listing", "reference")


def downgrade():
    # Fails while two offices share a mobile or a listing ref: there is no saying which
    # to keep.
    with _foreign_keys_off_on_sqlite():
        _installation_wide("listing", "reference")
        _installation_wide("salesperson", "mobile")
    op.drop_column("office", "ack_deadline_seconds")
