"""when windows were published, and sanctions lifted or corrected in the assessment

Revision ID: sta0008
Revises: sta0007
Create Date: 2026-12-08 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'sta0008'
down_revision: str | None = 'sta0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('windows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
    with op.batch_alter_table('assessment_inputs', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('at', shared.db.UTCDateTime(timezone=True), nullable=True)
        )
    # An accountability case's sanction is keyed apart from the ladder's: both number from 1.
    op.execute(
        "UPDATE assessment_inputs SET ref = 'sanction:accountability:' || substr(ref, 10)"
        " WHERE kind = 'sanction' AND detail = 'accountability' AND ref LIKE 'sanction:%'"
        " AND ref NOT LIKE 'sanction:accountability:%'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE assessment_inputs SET ref = 'sanction:' || substr(ref, 25)"
        " WHERE ref LIKE 'sanction:accountability:%'"
    )
    with op.batch_alter_table('assessment_inputs', schema=None) as batch_op:
        batch_op.drop_column('at')
    with op.batch_alter_table('windows', schema=None) as batch_op:
        batch_op.drop_column('ended_on')
        batch_op.drop_column('published_on')
