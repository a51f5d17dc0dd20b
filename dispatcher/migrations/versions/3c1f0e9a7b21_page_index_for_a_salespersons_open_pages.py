"""page index for a salesperson's open pages

A reply by SMS acts on the salesperson's newest open page (pages.open_page_for); with
this index that is one index step, not a walk over every open page in the office inside
the webhook's write transaction. Only an index is created: on SQLite the page table is
not copied, so its dashboard_change triggers (9ffa975f1590) stay in place.

Revision ID: 3c1f0e9a7b21
Revises: 9ffa975f1590
Create Date: 2026-11-23 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1f0e9a7b21'
down_revision = '9ffa975f1590'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_page_salesperson_open', 'page', ['salesperson_id', 'state', 'id'], unique=False
    )


def downgrade():
    op.drop_index('ix_page_salesperson_open', table_name='page')
