"""satisfaction evaluations, bad-review rectification, appeals and rankings

Revision ID: ins0007
Revises: ins0006
Create Date: 2026-12-02 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'ins0007'
down_revision: str | None = 'ins0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=True),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=63), nullable=False),
    sa.Column('staff_id', sa.String(length=63), nullable=True),
    sa.Column('level', sa.String(length=30), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('applicant_name', sa.String(length=100), nullable=True),
    sa.Column('applicant_phone', sa.String(length=20), nullable=True),
    sa.Column('submitted_by', sa.String(length=200), nullable=False),
    sa.Column('submitted_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('voided_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id'),
    sa.UniqueConstraint('window_id', 'period', name='uq_evaluations_window_period')
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_submitted_on'), ['submitted_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_unit_code'), ['unit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_window_id'), ['window_id'], unique=False)

    op.create_table('bad_review_rectifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=63), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('called_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('called_by', sa.String(length=100), nullable=True),
    sa.Column('call_outcome', sa.Text(), nullable=True),
    sa.Column('recorded_callback_by', sa.String(length=200), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('reported_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=200), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('closed_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overdue_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluation_id')
    )
    with op.batch_alter_table('bad_review_rectifications', schema=None) as batch_op:
        batch_op.create_index('ix_bad_review_rectifications_open_due', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_bad_review_rectifications_unit_code'), ['unit_code'], unique=False)

    op.create_table('evaluation_appeals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=63), nullable=False),
    sa.Column('grounds', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence_note', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.String(length=200), nullable=False),
    sa.Column('filed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluation_id')
    )
    with op.batch_alter_table('evaluation_appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_appeals_unit_code'), ['unit_code'], unique=False)

    op.create_table('rankings',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('published_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=200), nullable=False),
    sa.Column('windows', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month')
    )
    op.create_table('ranking_entries',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=63), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('evaluations', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Integer(), nullable=False),
    sa.Column('bad_reviews', sa.Integer(), nullable=False),
    sa.Column('upheld_complaints', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['month'], ['rankings.month'], ),
    sa.PrimaryKeyConstraint('month', 'position')
    )


def downgrade() -> None:
    op.drop_table('ranking_entries')
    op.drop_table('rankings')
    with op.batch_alter_table('evaluation_appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_appeals_unit_code'))

    op.drop_table('evaluation_appeals')
    with op.batch_alter_table('bad_review_rectifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bad_review_rectifications_unit_code'))
        batch_op.drop_index('ix_bad_review_rectifications_open_due')

    op.drop_table('bad_review_rectifications')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_window_id'))
        batch_op.drop_index(batch_op.f('ix_evaluations_unit_code'))
        batch_op.drop_index(batch_op.f('ix_evaluations_submitted_on'))

    op.drop_table('evaluations')
