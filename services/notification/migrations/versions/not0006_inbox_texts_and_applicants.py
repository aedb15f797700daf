"""inbox texts in both languages, applicants' case receipts, deliveries sent again by hand

Revision ID: not0006
Revises: not0005
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'not0006'
down_revision: str | None = 'not0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A notice recorded before this revision has one bilingual title: it stands for both.
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.alter_column('title', new_column_name='title_zh', existing_type=sa.Text(), existing_nullable=False)
        batch_op.add_column(sa.Column('title_en', sa.Text(), nullable=True))
    op.execute('UPDATE notices SET title_en = title_zh')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.alter_column('title_en', existing_type=sa.Text(), nullable=False)
    op.create_table('case_receipts',
    sa.Column('receipt_number', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('query_code_verifier', sa.Text(), nullable=False),
    sa.Column('source_event_id', sa.String(length=36), nullable=False),
    sa.Column('learned_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('receipt_number')
    )
    with op.batch_alter_table('email_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requeued_at', shared.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requeued_at', shared.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_column('requeued_at')
    with op.batch_alter_table('email_deliveries', schema=None) as batch_op:
        batch_op.drop_column('requeued_at')
    op.drop_table('case_receipts')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_column('title_en')
        batch_op.alter_column('title_zh', new_column_name='title', existing_type=sa.Text(), existing_nullable=False)
