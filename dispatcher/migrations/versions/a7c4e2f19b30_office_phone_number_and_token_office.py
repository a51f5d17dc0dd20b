"""office phone number and the office of an API token

Which office a request serves is no longer guessed: a webhook finds its office by the
number Twilio says was called or texted (office.phone_number, unique, unset while the
office is the only one), and an API token acts for the office it was made for
(api_token.office_id). Tokens made before this act for the first office, the one the
service has served so far.

Revision ID: a7c4e2f19b30
Revises: e86d6d90a23c
Create Date: 2026-11-25 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a7c4e2f19b30"
down_revision = "e86d6d90a23c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_number", sa.String(length=20), nullable=True))
        batch_op.create_unique_constraint("uq_office_phone_number", ["phone_number"])
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_api_token_office_id_office", "office", ["office_id"], ["id"]
        )
    op.execute("UPDATE api_token SET office_id = (SELECT min(id) FROM office)")


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint("fk_api_token_office_id_office", type_="foreignkey")
        batch_op.drop_column("office_id")
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.drop_constraint("uq_office_phone_number", type_="unique")
        batch_op.drop_column("phone_number")
