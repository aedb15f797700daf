"""the audit trail chained with a keyed MAC: each record says which audit key made it

Revision ID: reg0010
Revises: reg0009
Create Date: 2026-12-07 19:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

from shared import audit_table

revision: str = 'reg0010'
down_revision: str | None = 'reg0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_table.add_key_id_in_migration(op)


def downgrade() -> None:
    audit_table.drop_key_id_in_migration(op)
