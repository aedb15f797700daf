"""accountability violations keyed apart from the ladder's sanctions

Revision ID: reg0009
Revises: reg0008
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'reg0009'
down_revision: str | None = 'reg0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Inspection numbers accountability cases apart from the ladder's sanctions, and sends both as
# `sanction.imposed`: a violation of an accountability sanction (basis TJ-8.3) was kept as
# `sanction:<case>` and could be taken for the ladder step of the same number. It is now
# `accountability:<case>`, of kind `accountability`, and its lifting withdraws it.
violations = sa.table(
    'violations',
    sa.column('id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('rule', sa.String),
    sa.column('ref', sa.String),
)


def _rekey(old_kind: str, old_prefix: str, new_kind: str, new_prefix: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(violations.c.id, violations.c.ref).where(
            violations.c.kind == old_kind,
            violations.c.rule == 'TJ-8.3',
            violations.c.ref.like(f'{old_prefix}%'),
        )
    ).all()
    for row in rows:
        bind.execute(
            violations.update()
            .where(violations.c.id == row.id)
            .values(kind=new_kind, ref=new_prefix + row.ref.removeprefix(old_prefix))
        )


def upgrade() -> None:
    _rekey('sanction', 'sanction:', 'accountability', 'accountability:')


def downgrade() -> None:
    _rekey('accountability', 'accountability:', 'sanction', 'sanction:')
