"""the annual assessment per hall: windows keep their hall, every year-keyed table gains it

Revision ID: sta0011
Revises: sta0010
Create Date: 2026-12-07 22:30:00.000000
"""

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sta0011"
down_revision: str | None = "sta0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables keyed by the year, and their key before the hall joined it.
KEYED = {
    "assessment_cycles": ["year"],
    "assessment_results": ["year", "staff_id"],
    "assessment_stints": ["year", "staff_id", "window_id"],
    "assessment_window_results": ["year", "window_id"],
    "assessment_unit_weights": ["year", "unit_code"],
}
# Tables that carry the hall without it being their key.
CARRYING = ("assessment_grade_changes", "assessment_appeals", "personal_records")


def _hall() -> sa.Column:
    # Rows from before halls were kept get '' (no hall yet): staffing gives them the first hall
    # it learns from registry's window events (services/staffing/adapters/consumers.py).
    return sa.Column("hall_code", sa.String(length=63), nullable=False, server_default="")


def upgrade() -> None:
    with op.batch_alter_table("windows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hall_code", sa.String(length=63), nullable=True))
    for table, key in KEYED.items():
        # SQLAlchemy warns that the copy's columns still say primary_key for the old key, then
        # keys the copy as told: the hall joins the key, which is what is wanted.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            with op.batch_alter_table(table, schema=None, recreate="always") as batch_op:
                batch_op.add_column(_hall())
                batch_op.create_primary_key(f"pk_{table}", ["hall_code", *key])
    for table in CARRYING:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_hall())
    # The default was for the rows already there; a new row names its hall.
    for table in (*KEYED, *CARRYING):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "hall_code", existing_type=sa.String(length=63), server_default=None
            )
    with op.batch_alter_table("assessment_results", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_results_unit")
        batch_op.create_index(
            "ix_assessment_results_unit", ["hall_code", "year", "unit_code"], unique=False
        )
    pending = sa.text("status = 'pending'")
    with op.batch_alter_table("assessment_appeals", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_assessment_appeals_pending", postgresql_where=pending, sqlite_where=pending
        )
        batch_op.create_index(
            "ux_assessment_appeals_pending",
            ["hall_code", "year", "staff_id"],
            unique=True,
            postgresql_where=pending,
            sqlite_where=pending,
        )


def downgrade() -> None:
    pending = sa.text("status = 'pending'")
    with op.batch_alter_table("assessment_appeals", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_assessment_appeals_pending", postgresql_where=pending, sqlite_where=pending
        )
        batch_op.create_index(
            "ux_assessment_appeals_pending",
            ["year", "staff_id"],
            unique=True,
            postgresql_where=pending,
            sqlite_where=pending,
        )
    with op.batch_alter_table("assessment_results", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_results_unit")
        batch_op.create_index("ix_assessment_results_unit", ["year", "unit_code"], unique=False)
    for table in CARRYING:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("hall_code")
    for table, key in KEYED.items():
        with op.batch_alter_table(table, schema=None, recreate="always") as batch_op:
            batch_op.drop_constraint(f"pk_{table}", type_="primary")
            batch_op.drop_column("hall_code")
            batch_op.create_primary_key(f"pk_{table}", key)
    with op.batch_alter_table("windows", schema=None) as batch_op:
        batch_op.drop_column("hall_code")
