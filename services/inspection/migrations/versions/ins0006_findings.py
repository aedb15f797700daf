"""findings, evidence and guidance visits

Revision ID: ins0006
Revises: ins0005
Create Date: 2026-12-02 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'ins0006'
down_revision: str | None = 'ins0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('guidance_visits',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=63), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('visitor_role', sa.String(length=20), nullable=False),
    sa.Column('visitor_unit', sa.String(length=63), nullable=True),
    sa.Column('visitors', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('guidance_visits', schema=None) as batch_op:
        batch_op.create_index('ix_guidance_visits_window', ['window_id', 'id'], unique=False)
        batch_op.create_index('ix_guidance_visits_visited_on', ['visited_on'], unique=False)

    op.create_table('findings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=63), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.String(length=63), nullable=True),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('rectification', sa.Text(), nullable=False),
    sa.Column('rectification_due_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('problem_number', sa.Integer(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('overdue_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=200), nullable=True),
    sa.Column('withdrawn_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['corrects_id'], ['findings.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index('ix_findings_window', ['window_id', 'id'], unique=False)
        batch_op.create_index('ix_findings_unit', ['unit_code', 'id'], unique=False)
        batch_op.create_index('ix_findings_recorded_on', ['recorded_on'], unique=False)
        batch_op.create_index('ix_findings_open_due', ['status', 'rectification_due_on'], unique=False)

    op.create_table('guidance_problems',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id']),
    sa.ForeignKeyConstraint(['visit_id'], ['guidance_visits.id']),
    sa.PrimaryKeyConstraint('visit_id', 'number')
    )
    op.create_table('finding_evidence',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by', sa.String(length=200), nullable=False),
    sa.Column('uploaded_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id']),
    sa.ForeignKeyConstraint(['replaces_id'], ['finding_evidence.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('finding_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_evidence_finding_id'), ['finding_id'], unique=False)

    op.create_table('finding_rectifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('reported_by', sa.String(length=200), nullable=False),
    sa.Column('reported_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('verified_by', sa.String(length=200), nullable=True),
    sa.Column('verified_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('finding_rectifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_rectifications_finding_id'), ['finding_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('finding_rectifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_rectifications_finding_id'))

    op.drop_table('finding_rectifications')
    with op.batch_alter_table('finding_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_evidence_finding_id'))

    op.drop_table('finding_evidence')
    op.drop_table('guidance_problems')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_open_due')
        batch_op.drop_index('ix_findings_recorded_on')
        batch_op.drop_index('ix_findings_unit')
        batch_op.drop_index('ix_findings_window')

    op.drop_table('findings')
    with op.batch_alter_table('guidance_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_guidance_visits_visited_on')
        batch_op.drop_index('ix_guidance_visits_window')

    op.drop_table('guidance_visits')
