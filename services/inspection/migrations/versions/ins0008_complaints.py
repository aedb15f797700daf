"""complaints and reports, and reads of the public's personal data

Revision ID: ins0008
Revises: ins0007
Create Date: 2026-12-02 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'ins0008'
down_revision: str | None = 'ins0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('tracking_code_hash', sa.String(length=64), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=63), nullable=False),
    sa.Column('staff_id', sa.String(length=63), nullable=True),
    sa.Column('misconduct', sa.String(length=32), nullable=True),
    sa.Column('account', sa.Text(), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=True),
    sa.Column('complainant_name', sa.String(length=100), nullable=True),
    sa.Column('complainant_phone', sa.String(length=20), nullable=True),
    sa.Column('received_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('handler', sa.String(length=200), nullable=True),
    sa.Column('assigned_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('overdue_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('corrects_id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_open_due', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_unit_code'), ['unit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_window_id'), ['window_id'], unique=False)

    op.create_table('personal_data_reads',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('reader', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('record_kind', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('personal_data_reads', schema=None) as batch_op:
        batch_op.create_index('ix_personal_data_reads_record', ['record_kind', 'record_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('personal_data_reads', schema=None) as batch_op:
        batch_op.drop_index('ix_personal_data_reads_record')

    op.drop_table('personal_data_reads')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_window_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_unit_code'))
        batch_op.drop_index('ix_complaints_open_due')

    op.drop_table('complaints')
