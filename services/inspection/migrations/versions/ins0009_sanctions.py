"""the sanctions ladder: interviews, orders, suspension, termination, lifting

Revision ID: ins0009
Revises: ins0008
Create Date: 2026-12-02 02:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'ins0009'
down_revision: str | None = 'ins0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
