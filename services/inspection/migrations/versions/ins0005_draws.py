"""sampling plans, spot checks, inspectors and verifiable draws

Revision ID: ins0005
Revises: ins0004
Create Date: 2026-12-02 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db


revision: str = 'ins0005'
down_revision: str | None = 'ins0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
