"""the office's phone region (ISO 3166 alpha-2: US, HK...) for numbers typed without a
country code; NULL: the PHONE_REGION setting, as before

A plain ADD COLUMN (no batch): SQLite adds it in place, nothing is copied.

Revision ID: b7e2d4a61c95
Revises: e4c1a9b7d2f3
Create Date: 2026-11-30 19:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7e2d4a61c95'
down_revision = 'e4c1a9b7d2f3'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('office', sa.Column('phone_region', sa.String(length=2), nullable=True))


def downgrade():
    # Dropping a column copies the table on SQLite (batch): office has no triggers.
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('phone_region')
