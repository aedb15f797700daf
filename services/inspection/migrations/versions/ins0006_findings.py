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
    pass


def downgrade() -> None:
    pass
