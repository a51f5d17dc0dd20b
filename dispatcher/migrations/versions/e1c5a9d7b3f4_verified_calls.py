"""verified calls: the calls placed through the office's number, the client reached

A lead records when its client was first reached by a verified call (answered and long
enough) and by which call; a page records when its salesperson was reminded that the
client was not reached yet, and when the manager was told; an office chooses whether
such a lead is then given to the next salesperson (off). The calls placed or put
through (placed_call) keep their <Dial>'s result.

Plain ADD COLUMN on lead and page: SQLite adds a nullable column in place, and a batch
copy of those tables would drop their triggers.

Revision ID: e1c5a9d7b3f4
Revises: c0a7e5d31f20
Create Date: 2026-11-30 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e1c5a9d7b3f4"
down_revision = "c0a7e5d31f20"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("lead", sa.Column("client_reached_at", sa.DateTime(), nullable=True))
    op.add_column("lead", sa.Column("reached_by_call_sid", sa.String(length=64), nullable=True))
    op.add_column("page", sa.Column("reach_reminded_at", sa.DateTime(), nullable=True))
    op.add_column("page", sa.Column("reach_escalated_at", sa.DateTime(), nullable=True))
    op.add_column(
        "office",
        sa.Column(
            "reassign_when_not_reached", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )
    op.create_table(
        "placed_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("salesperson_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("dial_status", sa.String(length=20), nullable=True),
        sa.Column("dial_seconds", sa.Integer(), nullable=True),
        sa.Column("dialled_at", sa.DateTime(), nullable=True),
        sa.Column("call_status", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name="fk_placed_call_office"),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], name="fk_placed_call_lead"),
        sa.ForeignKeyConstraint(
            ["salesperson_id"], ["salesperson.id"], name="fk_placed_call_salesperson"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_placed_call_lead_id", "placed_call", ["lead_id"])
    op.create_index("ix_placed_call_call_sid", "placed_call", ["call_sid"])


def downgrade():
    op.drop_index("ix_placed_call_call_sid", table_name="placed_call")
    op.drop_index("ix_placed_call_lead_id", table_name="placed_call")
    op.drop_table("placed_call")
    # Plain DROP COLUMN (SQLite 3.35+ does it in place): no batch copy of lead or page.
    op.drop_column("office", "reassign_when_not_reached")
    op.drop_column("page", "reach_escalated_at")
    op.drop_column("page", "reach_reminded_at")
    op.drop_column("lead", "reached_by_call_sid")
    op.drop_column("lead", "client_reached_at")
