"""satisfaction evaluations, bad-review rectification, appeals and rankings

Revision ID: ins0007
Revises: ins0006
Create Date: 2026-12-02 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'ins0007'
down_revision: str | None = 'ins0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
