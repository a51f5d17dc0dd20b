"""lead: the listing ref typed that is none of the office's listings

An unknown listing ref no longer refuses the lead (the caller is on the line): the lead
is logged and routed without a listing, and the ref typed is kept here, with a warning
on its timeline, until the coordinator or the manager corrects it. Not nullable, empty
by default, so every existing lead reads "no unknown ref".

Revision ID: d5e8a1c4b7f2
Revises: a7c3e5f19b42
Create Date: 2026-12-01 12:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d5e8a1c4b7f2"
down_revision = "a7c3e5f19b42"
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN with a constant default: SQLite does it in place, so the table is not
    # copied and its dashboard_change triggers (9ffa975f1590) stay.
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unknown_listing_ref", sa.String(length=40), server_default="", nullable=False)
        )


def downgrade():
    # Not in batch mode: a batch drop copies the table on SQLite and would lose the
    # dashboard_change triggers; ALTER TABLE ... DROP COLUMN (SQLite 3.35+) keeps them.
    op.drop_column("lead", "unknown_listing_ref")
