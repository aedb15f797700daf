"""an accountability outcome names its rule; orders of terminated windows are closed

Revision ID: ins0014
Revises: ins0013
Create Date: 2026-12-07 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ins0014'
down_revision: str | None = 'ins0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('accountability_outcomes', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('rule', sa.String(length=20), server_default='TJ-8.3', nullable=False)
        )
    # The ladder of a terminated window has ended: its orders still open or reported are closed.
    op.execute(
        "UPDATE sanctions SET status = 'closed' WHERE kind = 'rectification' "
        "AND status IN ('open', 'reported') AND window_id IN "
        "(SELECT window_id FROM sanctions WHERE kind = 'termination')"
    )


def downgrade() -> None:
    # Closed orders stay closed: which of them were open and which reported is not kept.
    with op.batch_alter_table('accountability_outcomes', schema=None) as batch_op:
        batch_op.drop_column('rule')
