"""salesperson voice PIN

A salesperson calling the office is known by caller ID, which can be spoofed: before the
voice reads a client's details it asks for the salesperson's PIN (unless the carrier
fully attested the number). Only a hash of the PIN is kept. The column is nullable: a
salesperson sets their PIN on their own page.

Revision ID: e86d6d90a23c
Revises: 5e2b8d41c7a9
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e86d6d90a23c'
down_revision = '5e2b8d41c7a9'
branch_labels = None
depends_on = None


def upgrade():
    # Adding a nullable column: SQLite does it in place, the table is not copied.
    with op.batch_alter_table('salesperson', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voice_pin_hash', sa.String(length=256), nullable=True))


def downgrade():
    with op.batch_alter_table('salesperson', schema=None) as batch_op:
        batch_op.drop_column('voice_pin_hash')
