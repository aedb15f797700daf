"""audit log: every write and every read of personal data, hash-chained and append-only

Revision ID: ins0011
Revises: ins0010
Create Date: 2026-12-06 01:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

from shared import audit_table

revision: str = 'ins0011'
down_revision: str | None = 'ins0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_table.create_in_migration(op)


def downgrade() -> None:
    audit_table.drop_in_migration(op)
