"""records written unchained, for the sealer to chain in commit order: audit_pending, and the
nonce a sealed record keeps

Revision ID: sta0012
Revises: sta0011
Create Date: 2026-12-08 01:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

from shared import audit_table

revision: str = "sta0012"
down_revision: str | None = "sta0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_table.create_pending_in_migration(op)


def downgrade() -> None:
    audit_table.drop_pending_in_migration(op)
