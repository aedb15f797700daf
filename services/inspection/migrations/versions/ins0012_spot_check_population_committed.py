"""a spot check commits its population (windows and inspectors) when it is planned

Revision ID: ins0012
Revises: ins0011
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'ins0012'
down_revision: str | None = 'ins0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Null for checks planned before: their draws read the population at draw time, and say so.
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('population', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('population_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('population_at', shared.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.drop_column('population_at')
        batch_op.drop_column('population_digest')
        batch_op.drop_column('population')
