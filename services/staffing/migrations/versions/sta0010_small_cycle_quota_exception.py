"""the authority's exception to the 20% quota for a cycle of fewer than 5 (LR-SMALL-QUOTA)

Revision ID: sta0010
Revises: sta0009
Create Date: 2026-12-07 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'sta0010'
down_revision: str | None = 'sta0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assessment_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quota_exception_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('quota_exception_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assessment_cycles', schema=None) as batch_op:
        batch_op.drop_column('quota_exception_reason')
        batch_op.drop_column('quota_exception_by')
