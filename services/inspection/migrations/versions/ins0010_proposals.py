"""local rules as data, proposals and accountability cases

Revision ID: ins0010
Revises: ins0009
Create Date: 2026-12-02 02:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'ins0010'
down_revision: str | None = 'ins0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
