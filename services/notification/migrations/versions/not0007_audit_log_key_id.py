"""the audit trail chained with a keyed MAC (each record says which audit key made it), and the
other services' audit checkpoints kept

Revision ID: not0007
Revises: not0006
Create Date: 2026-12-07 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db
from shared import audit_table

revision: str = 'not0007'
down_revision: str | None = 'not0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_table.add_key_id_in_migration(op)
    # The other services' checkpoints (and its own): the anchors of their chains, kept here.
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_mac", sa.String(length=64), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("received_at", shared.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_audit_checkpoints_service", "audit_checkpoints", ["service", "last_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_checkpoints_service", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    audit_table.drop_key_id_in_migration(op)
