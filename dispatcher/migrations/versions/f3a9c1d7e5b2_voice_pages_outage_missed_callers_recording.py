"""voice pages, the SMS outage switch, missed callers and call recording

- salesperson.page_by: how pages reach them (sms | sms_then_call | call);
- page.call_sid / call_placed_at / call_status: the voice call that carried a page;
- office.sms_outage_since: set while SMS pages go by voice (delivery failures hit
  several salespeople within minutes); office.missed_caller_sms and office.record_calls:
  the office's switches, both off;
- inbound_call.dial_status: how the <Dial> of a caller's call ended (set once, so a
  repeated callback acts once);
- call_recording: a call's recording (Twilio's RecordingSid, its URL), deleted after
  the retention.

Plain ADD COLUMNs (no batch): SQLite adds them in place, nothing is copied and the
triggers on lead/page stay.

Revision ID: f3a9c1d7e5b2
Revises: e1c5a9d7b3f4
Create Date: 2026-11-30 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "f3a9c1d7e5b2"
down_revision = "e1c5a9d7b3f4"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "salesperson",
        sa.Column("page_by", sa.String(length=20), server_default="sms", nullable=False),
    )
    op.add_column("page", sa.Column("call_sid", sa.String(length=64), nullable=True))
    op.add_column("page", sa.Column("call_placed_at", sa.DateTime(), nullable=True))
    op.add_column("page", sa.Column("call_status", sa.String(length=20), nullable=True))
    op.create_index("ix_page_call_sid", "page", ["call_sid"], unique=True)
    op.add_column("office", sa.Column("sms_outage_since", sa.DateTime(), nullable=True))
    op.add_column(
        "office",
        sa.Column("missed_caller_sms", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "office",
        sa.Column("record_calls", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("inbound_call", sa.Column("dial_status", sa.String(length=20), nullable=True))
    op.create_table(
        "call_recording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("recording_sid", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name="fk_call_recording_office_id_office"
        ),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], name="fk_call_recording_lead_id_lead"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recording_sid", name="uq_call_recording_recording_sid"),
    )
    op.create_index("ix_call_recording_lead_id", "call_recording", ["lead_id"])
    op.create_index("ix_call_recording_created_at", "call_recording", ["created_at"])


def downgrade():
    op.drop_index("ix_call_recording_created_at", table_name="call_recording")
    op.drop_index("ix_call_recording_lead_id", table_name="call_recording")
    op.drop_table("call_recording")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): no batch copy, the triggers stay.
    op.drop_column("inbound_call", "dial_status")
    op.drop_column("office", "record_calls")
    op.drop_column("office", "missed_caller_sms")
    op.drop_column("office", "sms_outage_since")
    op.drop_index("ix_page_call_sid", table_name="page")
    op.drop_column("page", "call_status")
    op.drop_column("page", "call_placed_at")
    op.drop_column("page", "call_sid")
    op.drop_column("salesperson", "page_by")
