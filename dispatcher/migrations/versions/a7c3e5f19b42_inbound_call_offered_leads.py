"""inbound call: the leads a salesperson's call offered to choose from

A salesperson calling the office when more than one lead could be meant (open pages,
leads acknowledged by SMS whose details were not yet heard) is asked which, one key per
lead. The leads offered are kept on the call, in the order of the keys, so the key
pressed (posted to /twilio/voice/choose under the same CallSid) names the lead that was
offered, whatever has changed since. Nullable: most calls offer nothing.

Revision ID: a7c3e5f19b42
Revises: a7c4e2f19b30
Create Date: 2026-11-30 12:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a7c3e5f19b42"
down_revision = "a7c4e2f19b30"
branch_labels = None
depends_on = None


def upgrade():
    # Adding a nullable column: SQLite does it in place, the table is not copied.
    with op.batch_alter_table("inbound_call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offered_leads", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("inbound_call", schema=None) as batch_op:
        batch_op.drop_column("offered_leads")
