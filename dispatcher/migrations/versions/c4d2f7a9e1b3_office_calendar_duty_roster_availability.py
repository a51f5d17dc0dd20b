"""office calendar, duty roster, shift swaps, leave and misses in a row (issue 17)

The coordinator's hours per weekday and holidays replace the COORDINATOR_HOURS_*
settings (a weekday with no row keeps C8's default, so every existing office keeps
08:00-20:00 / 09:00-18:00); the duty roster (repeating shifts, covers, swaps) replaces
ON_DUTY_SALESPERSON_ID. Salespeople gain leave dates and a count of pages missed in a
row; offices, what happens while nobody is on duty and after how many misses.

Revision ID: c4d2f7a9e1b3
Revises: f498fa21cfe9
Create Date: 2026-12-02 12:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4d2f7a9e1b3"
down_revision = "f498fa21cfe9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "office_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Integer(), nullable=True),
        sa.Column("closes", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name="fk_office_hours_office_id_office"),
        sa.PrimaryKeyConstraint("id", name="pk_office_hours"),
        sa.UniqueConstraint("office_id", "weekday", name="uq_office_hours_day"),
    )
    op.create_table(
        "holiday",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("opens", sa.Integer(), nullable=True),
        sa.Column("closes", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name="fk_holiday_office_id_office"),
        sa.PrimaryKeyConstraint("id", name="pk_holiday"),
        sa.UniqueConstraint("office_id", "day", name="uq_holiday_office_day"),
    )
    op.create_table(
        "duty_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("salesperson_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Integer(), nullable=False),
        sa.Column("ends", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name="fk_duty_shift_office_id_office"),
        sa.ForeignKeyConstraint(
            ["salesperson_id"], ["salesperson.id"], name="fk_duty_shift_salesperson_id_salesperson"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_duty_shift"),
    )
    op.create_index("ix_duty_shift_office_id", "duty_shift", ["office_id"])
    op.create_table(
        "duty_cover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("salesperson_id", sa.Integer(), nullable=False),
        sa.Column("covers_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name="fk_duty_cover_office_id_office"),
        sa.ForeignKeyConstraint(
            ["salesperson_id"], ["salesperson.id"], name="fk_duty_cover_salesperson_id_salesperson"
        ),
        sa.ForeignKeyConstraint(
            ["covers_id"], ["salesperson.id"], name="fk_duty_cover_covers_id_salesperson"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_duty_cover"),
    )
    op.create_index("ix_duty_cover_office_id", "duty_cover", ["office_id"])
    op.create_table(
        "shift_swap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("colleague_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_how", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name="fk_shift_swap_office_id_office"),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["duty_shift.id"], name="fk_shift_swap_shift_id_duty_shift"
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["salesperson.id"], name="fk_shift_swap_asked_by_id_salesperson"
        ),
        sa.ForeignKeyConstraint(
            ["colleague_id"], ["salesperson.id"], name="fk_shift_swap_colleague_id_salesperson"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_shift_swap"),
    )
    op.create_index("ix_shift_swap_office_id", "shift_swap", ["office_id"])
    # ADD COLUMN with constant defaults: SQLite does it in place (no table copy).
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("schedule_stamp", sa.String(length=32), server_default="initial", nullable=False)
        )
        batch_op.add_column(
            sa.Column("nobody_on_duty", sa.String(length=10), server_default="hold", nullable=False)
        )
        batch_op.add_column(sa.Column("miss_limit", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("feed_nonce", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("salesperson", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leave_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("leave_until", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("misses_in_a_row", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("feed_nonce", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    for column in ("feed_nonce", "misses_in_a_row", "leave_until", "leave_from"):
        op.drop_column("salesperson", column)
    for column in ("feed_nonce", "miss_limit", "nobody_on_duty", "schedule_stamp"):
        op.drop_column("office", column)
    op.drop_index("ix_shift_swap_office_id", table_name="shift_swap")
    op.drop_table("shift_swap")
    op.drop_index("ix_duty_cover_office_id", table_name="duty_cover")
    op.drop_table("duty_cover")
    op.drop_index("ix_duty_shift_office_id", table_name="duty_shift")
    op.drop_table("duty_shift")
    op.drop_table("holiday")
    op.drop_table("office_hours")
