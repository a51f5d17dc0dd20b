"""user session token, so signing out ends the session on the server

The session cookie names the user by id and this token; signing out draws a new token,
so a copied cookie stops working. Existing rows start without one: their old cookies
(the id alone) no longer sign anyone in, and the next sign-in draws a token.

Revision ID: 5e2b8d41c7a9
Revises: 3c1f0e9a7b21
Create Date: 2026-11-30 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2b8d41c7a9'
down_revision = '3c1f0e9a7b21'
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column is added in place, on SQLite too (no table copy).
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_token')
