"""local rules as data, proposals and accountability cases

Revision ID: ins0010
Revises: ins0009
Create Date: 2026-12-02 02:25:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'ins0010'
down_revision: str | None = 'ins0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default local rules (docs/inspection.md), as they stood when this migration was written:
# later changes are new versions made through the API, never edits of this list.
DEFAULT_RULES = [
    ("LR-COMPLAINTS-30D", "concentrated_complaints", {"complaints": 3, "days": 30},
     "suspension", "TJ-8.2",
     "集中投诉 · 3 upheld complaints about one window within 30 days: propose suspension"),
    ("LR-SERIOUS-FINDING", "serious_finding", {"days": 30}, "suspension", "TJ-8.2",
     "严重问题 · a finding of top severity (serious) within 30 days: propose suspension"),
    ("LR-LAST-2-MONTHS", "ranked_last", {"months": 2}, "interview", "TJ-8.1",
     "排名末位 · ranked last in the monthly ranking 2 months running: propose an interview"),
    ("LR-ORDER-OVERDUE", "order_overdue", {}, "termination", "TJ-8.2",
     "逾期未整改 · a rectification order past its deadline without verified rectification: "
     "propose termination"),
]


def upgrade() -> None:
    local_rules = op.create_table('local_rules',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('rule_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=30), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('proposes', sa.String(length=20), nullable=False),
    sa.Column('basis', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.String(length=200), nullable=False),
    sa.Column('changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rule_id', 'version', name='uq_local_rules_version')
    )
    op.create_table('sanction_proposals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=63), nullable=False),
    sa.Column('basis', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('complaints', sa.JSON(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('rule_id', sa.String(length=40), nullable=True),
    sa.Column('rule_version', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('proposed_by', sa.String(length=200), nullable=False),
    sa.Column('proposed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sanction_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('sanction_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_sanction_proposals_status', ['status', 'id'], unique=False)
        batch_op.create_index('ix_sanction_proposals_window', ['window_id', 'id'], unique=False)
        batch_op.create_index('ix_sanction_proposals_rule', ['rule_id'], unique=False)

    op.create_table('accountability_cases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('staff_id', sa.String(length=63), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=63), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('complaints', sa.JSON(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('district_office', sa.String(length=200), nullable=False),
    sa.Column('district_contact', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('opened_by', sa.String(length=200), nullable=False),
    sa.Column('opened_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('district_opinion', sa.Text(), nullable=True),
    sa.Column('opinion_given_by', sa.String(length=200), nullable=True),
    sa.Column('opinion_recorded_by', sa.String(length=200), nullable=True),
    sa.Column('opinion_recorded_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('accountability_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accountability_cases_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accountability_cases_unit_code'), ['unit_code'], unique=False)

    op.create_table('accountability_outcomes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('decided_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['accountability_cases.id'], ),
    sa.ForeignKeyConstraint(['corrects_id'], ['accountability_outcomes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('corrects_id', name='uq_accountability_outcomes_corrects')
    )
    with op.batch_alter_table('accountability_outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accountability_outcomes_case_id'), ['case_id'], unique=False)

    now = datetime.now(UTC)
    op.bulk_insert(local_rules, [
        {
            'rule_id': rule_id, 'version': 1, 'trigger': trigger, 'params': params,
            'proposes': proposes, 'basis': basis, 'active': True, 'description': description,
            'note': 'default', 'changed_by': 'system:migration', 'changed_at': now,
        }
        for rule_id, trigger, params, proposes, basis, description in DEFAULT_RULES
    ])


def downgrade() -> None:
    with op.batch_alter_table('accountability_outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accountability_outcomes_case_id'))

    op.drop_table('accountability_outcomes')
    with op.batch_alter_table('accountability_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accountability_cases_unit_code'))
        batch_op.drop_index(batch_op.f('ix_accountability_cases_staff_id'))

    op.drop_table('accountability_cases')
    with op.batch_alter_table('sanction_proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_sanction_proposals_rule')
        batch_op.drop_index('ix_sanction_proposals_window')
        batch_op.drop_index('ix_sanction_proposals_status')

    op.drop_table('sanction_proposals')
    op.drop_table('local_rules')
