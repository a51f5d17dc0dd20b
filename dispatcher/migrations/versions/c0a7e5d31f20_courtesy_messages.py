"""courtesy messages after a sale (S1-S5, X8)

The client's courtesy facts (birthday, project, subscription, contract, STOP), the
office's quiet hours, the templates, one row per message sent (unique per client,
template and occasion) and the phone surveys.

Plain ADD COLUMNs (no batch): SQLite adds them in place, nothing is copied.

Revision ID: c0a7e5d31f20
Revises: b3d9f2a6c810
Create Date: 2026-11-30 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c0a7e5d31f20'
down_revision = "b3d9f2a6c810"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('client', sa.Column('birthday', sa.Date(), nullable=True))
    op.add_column('client', sa.Column('project', sa.String(length=120), server_default='', nullable=False))
    op.add_column('client', sa.Column('subscribed_at', sa.DateTime(), nullable=True))
    op.add_column('client', sa.Column('contract_signed_at', sa.DateTime(), nullable=True))
    op.add_column('client', sa.Column('courtesy_opted_out', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('office', sa.Column('quiet_hours', sa.String(length=11), server_default='21:00-09:00', nullable=False))
    op.create_table('courtesy_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('body', sa.String(length=1000), nullable=False),
    sa.Column('project', sa.String(length=120), nullable=False),
    sa.Column('stages', sa.String(length=60), nullable=False),
    sa.Column('occasion_date', sa.Date(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by', sa.String(length=80), nullable=True),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_courtesy_template_office_id'), 'courtesy_template', ['office_id'], unique=False)
    op.create_table('courtesy_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('occasion', sa.Date(), nullable=False),
    sa.Column('rule', sa.String(length=5), nullable=False),
    sa.Column('salesperson_id', sa.Integer(), nullable=True),
    sa.Column('to_number', sa.String(length=20), nullable=False),
    sa.Column('body', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('send_at', sa.DateTime(), nullable=False),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('skipped', sa.String(length=60), nullable=False),
    sa.Column('send_claimed_at', sa.DateTime(), nullable=True),
    sa.Column('send_attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('message_sid', sa.String(length=64), nullable=True),
    sa.Column('send_error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['salesperson_id'], ['salesperson.id'], ),
    sa.ForeignKeyConstraint(['template_id'], ['courtesy_template.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id', 'template_id', 'occasion', name='uq_courtesy_message_occasion')
    )
    op.create_index(op.f('ix_courtesy_message_client_id'), 'courtesy_message', ['client_id'], unique=False)
    op.create_index('ix_courtesy_message_due', 'courtesy_message', ['sent_at', 'send_at'], unique=False)
    op.create_table('survey_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('salesperson_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['salesperson_id'], ['salesperson.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    op.create_index(op.f('ix_survey_task_salesperson_id'), 'survey_task', ['salesperson_id'], unique=False)


def downgrade():
    op.drop_table('survey_task')
    op.drop_table('courtesy_message')
    op.drop_table('courtesy_template')
    # Dropping columns copies the table on SQLite (batch): neither table has triggers.
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('quiet_hours')
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('courtesy_opted_out')
        batch_op.drop_column('contract_signed_at')
        batch_op.drop_column('subscribed_at')
        batch_op.drop_column('project')
        batch_op.drop_column('birthday')
