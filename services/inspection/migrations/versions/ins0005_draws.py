"""sampling plans, spot checks, inspectors and verifiable draws

Revision ID: ins0005
Revises: ins0004
Create Date: 2026-12-02 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'ins0005'
down_revision: str | None = 'ins0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inspectors',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('home_unit', sa.String(length=63), nullable=True),
    sa.Column('conflicts', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('registered_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('sampling_plans',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('rate', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('minimum_per_window', sa.Integer(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('seed_source', sa.String(length=500), nullable=False),
    sa.Column('draw_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rate > 0 AND rate <= 1', name='ck_sampling_plans_rate'),
    sa.CheckConstraint('minimum_per_window >= 1', name='ck_sampling_plans_minimum'),
    sa.CheckConstraint('period_from <= period_to', name='ck_sampling_plans_period'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('spot_checks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('days', sa.JSON(), nullable=False),
    sa.Column('windows', sa.Integer(), nullable=True),
    sa.Column('rate', sa.Numeric(precision=5, scale=4), nullable=True),
    sa.Column('inspectors_per_window', sa.Integer(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('seed_source', sa.String(length=500), nullable=False),
    sa.Column('draw_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('inspectors_per_window >= 2', name='ck_spot_checks_inspectors'),
    sa.CheckConstraint('(windows IS NULL) <> (rate IS NULL)', name='ck_spot_checks_windows_or_rate'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('draws',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('seed_source', sa.String(length=500), nullable=False),
    sa.Column('seed_value', sa.String(length=200), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('population', sa.JSON(), nullable=False),
    sa.Column('population_digest', sa.String(length=64), nullable=False),
    sa.Column('population_size', sa.Integer(), nullable=False),
    sa.Column('selection', sa.JSON(), nullable=False),
    sa.Column('selection_size', sa.Integer(), nullable=False),
    sa.Column('draw_digest', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('drawn_by', sa.String(length=200), nullable=False),
    sa.Column('drawn_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['superseded_by'], ['draws.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'plan_id', 'round', name='ux_draws_plan_round')
    )
    op.create_table('sampled_cases',
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=63), nullable=False),
    sa.ForeignKeyConstraint(['draw_id'], ['draws.id'], ),
    sa.PrimaryKeyConstraint('draw_id', 'case_id')
    )
    with op.batch_alter_table('sampled_cases', schema=None) as batch_op:
        batch_op.create_index('ix_sampled_cases_unit', ['unit_code', 'draw_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sampled_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_sampled_cases_unit')

    op.drop_table('sampled_cases')
    op.drop_table('draws')
    op.drop_table('spot_checks')
    op.drop_table('sampling_plans')
    op.drop_table('inspectors')
