"""rotations are carried out on their effective date

Revision ID: sta0005
Revises: sta0004
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'sta0005'
down_revision: str | None = 'sta0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('rotations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_out_on', sa.Date(), nullable=True))
    # Everything approved before this revision was carried out at approval.
    op.execute("UPDATE rotations SET carried_out_on = effective_on WHERE status = 'approved'")


def downgrade() -> None:
    with op.batch_alter_table('rotations', schema=None) as batch_op:
        batch_op.drop_column('carried_out_on')
