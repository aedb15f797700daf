"""e-mail deliveries and recipients' addresses

Revision ID: not0003
Revises: not0002
Create Date: 2026-12-02 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'not0003'
down_revision: str | None = 'not0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('email_addresses',
    sa.Column('inbox_key', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('inbox_key')
    )
    op.create_table('email_deliveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=200), nullable=False),
    sa.Column('event_time', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recipient', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('email_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_email_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_email_deliveries_recipient', ['recipient', 'id'], unique=False)
        batch_op.create_index('ux_email_deliveries_once', ['event_id', 'recipient'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('email_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ux_email_deliveries_once')
        batch_op.drop_index('ix_email_deliveries_recipient')
        batch_op.drop_index('ix_email_deliveries_due')
    op.drop_table('email_deliveries')
    op.drop_table('email_addresses')
