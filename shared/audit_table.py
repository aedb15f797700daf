"""The audit trail's table and its guard: the columns (`add_audit_table`), and the migrations
that create it with the triggers refusing UPDATE, DELETE and TRUNCATE (the chain itself is in
shared/audit.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

from shared.sqltypes import UTCDateTime

TABLE = "audit_log"


def add_audit_table(metadata: MetaData) -> Table:
    return Table(
        TABLE,
        metadata,
        # Given by `append` (the hash covers it), never by a sequence.
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("at", UTCDateTime(), nullable=False),
        Column("actor", String(300), nullable=False),
        Column("role", String(20), nullable=False),
        Column("action", String(300), nullable=False),
        Column("object", String(500), nullable=False),
        Column("before", Text, nullable=True),
        Column("after", Text, nullable=True),
        Column("request_id", String(128), nullable=True),
        Column("correlation_id", String(128), nullable=True),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False, unique=True),
        # The key that made `hash` an HMAC (`key_id`); NULL: a plain SHA-256 record from before.
        Column("key_id", String(32), nullable=True),
    )


# -- the schema, for each service's migration --------------------------------------------------
_APPEND_ONLY_PG = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
"""
_APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END",
)


def create_in_migration(op: Any) -> None:
    """The table and its append-only triggers (the body of each service's audit migration)."""
    import sqlalchemy as sa

    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=300), nullable=False),
        sa.Column("object", sa.String(length=500), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("correlation_id", sa.String(length=128), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY_PG)
    else:
        for statement in _APPEND_ONLY_SQLITE:
            op.execute(statement)


def drop_in_migration(op: Any) -> None:
    op.drop_table(TABLE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_log_append_only()")


def add_key_id_in_migration(op: Any) -> None:
    """The key id of each record's MAC (the body of each service's keyed-chain migration). The
    records already there keep no key id: plain SHA-256, verified as the chain's legacy prefix."""
    import sqlalchemy as sa

    op.add_column(TABLE, sa.Column("key_id", sa.String(length=32), nullable=True))


def drop_key_id_in_migration(op: Any) -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("key_id")
