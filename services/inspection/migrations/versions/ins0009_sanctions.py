"""the sanctions ladder: interviews, orders, suspension, termination, lifting

Revision ID: ins0009
Revises: ins0008
Create Date: 2026-12-02 02:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'ins0009'
down_revision: str | None = 'ins0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sanctions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=63), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('complaints', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('decided_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('interviewed', sa.JSON(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('district', sa.String(length=100), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('overdue_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('lifted_by', sa.String(length=200), nullable=True),
    sa.Column('lifted_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lift_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['corrects_id'], ['sanctions.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['sanctions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('corrects_id')
    )
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.create_index('ix_sanctions_window', ['window_id', 'id'], unique=False)
        batch_op.create_index('ix_sanctions_kind_status_due', ['kind', 'status', 'due_on'], unique=False)
        batch_op.create_index('ix_sanctions_order', ['order_id'], unique=False)

    op.create_table('sanction_order_reports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('reported_by', sa.String(length=200), nullable=False),
    sa.Column('reported_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('verified_by', sa.String(length=200), nullable=True),
    sa.Column('verified_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['sanctions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sanction_order_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sanction_order_reports_order_id'), ['order_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sanction_order_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sanction_order_reports_order_id'))

    op.drop_table('sanction_order_reports')
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.drop_index('ix_sanctions_order')
        batch_op.drop_index('ix_sanctions_kind_status_due')
        batch_op.drop_index('ix_sanctions_window')

    op.drop_table('sanctions')
