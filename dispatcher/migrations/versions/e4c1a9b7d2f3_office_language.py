"""the office's language (en, zh_Hant, zh_Hans) for its screens and SMS

A plain ADD COLUMN (no batch): SQLite adds it in place, nothing is copied.

Revision ID: e4c1a9b7d2f3
Revises: f3a9c1d7e5b2
Create Date: 2026-11-30 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e4c1a9b7d2f3'
down_revision = 'f3a9c1d7e5b2'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('office', sa.Column('language', sa.String(length=10), server_default='en', nullable=False))


def downgrade():
    # Dropping a column copies the table on SQLite (batch): office has no triggers.
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('language')
