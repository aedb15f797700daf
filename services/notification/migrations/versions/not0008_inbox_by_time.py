"""the inbox listed by time (newest first by default): an index on (recipient, created_at, id)

Revision ID: not0008
Revises: not0007
Create Date: 2026-12-07 19:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'not0008'
down_revision: str | None = 'not0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_notices_inbox_time", "notices", ["recipient", "created_at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_notices_inbox_time", table_name="notices")
