"""The audit trail's tables and their guard: the chain's columns (`add_audit_table`), the records
waiting to be chained (`audit_pending`, PostgreSQL's path: shared/audit_sealer.py), and the
migrations that create them with the triggers refusing UPDATE, DELETE and TRUNCATE on the chain
(the chain itself is in shared/audit.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

from shared.sqltypes import UTCDateTime

TABLE = "audit_log"
PENDING = "audit_pending"


def add_audit_table(metadata: MetaData) -> Table:
    """The chain, and beside it the records a unit of work wrote that the sealer has not yet
    chained (`add_pending_table`)."""
    add_pending_table(metadata)
    return Table(
        TABLE,
        metadata,
        # Given by `append` (the hash covers it), never by a sequence.
        Column("id", Integer, primary_key=True, autoincrement=False),
        *_entry_columns(),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False, unique=True),
        # The key that made `hash` an HMAC (`key_id`); NULL: a plain SHA-256 record from before.
        Column("key_id", String(32), nullable=True),
        # The random name a sealed record had while pending (its MAC covers it): a pending row
        # copied after it was sealed meets this unique index instead of entering twice.
        Column("nonce", String(32), nullable=True, unique=True, index=True),
    )


def _entry_columns() -> list[Column[object]]:
    return [
        Column("at", UTCDateTime(), nullable=False),
        Column("actor", String(300), nullable=False),
        Column("role", String(20), nullable=False),
        Column("action", String(300), nullable=False),
        Column("object", String(500), nullable=False),
        Column("before", Text, nullable=True),
        Column("after", Text, nullable=True),
        Column("request_id", String(128), nullable=True),
        Column("correlation_id", String(128), nullable=True),
    ]


def add_pending_table(metadata: MetaData) -> Table:
    """Records committed but not yet chained. The id only orders them for the sealer (a
    sequence, no lock); the MAC covers the record's own content, its nonce and key id, so a
    row edited while it waits is found (shared/audit_sealer.py)."""
    return Table(
        PENDING,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("nonce", String(32), nullable=False, unique=True),
        *_entry_columns(),
        Column("key_id", String(32), nullable=False),
        Column("mac", String(64), nullable=False),
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


def create_pending_in_migration(op: Any) -> None:
    """The records waiting for the sealer, and the nonce a sealed record keeps (the body of each
    service's audit_pending migration)."""
    import sqlalchemy as sa

    op.create_table(
        PENDING,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        *_entry_columns(),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce"),
    )
    op.add_column(TABLE, sa.Column("nonce", sa.String(length=32), nullable=True))
    op.create_index("ix_audit_log_nonce", TABLE, ["nonce"], unique=True)


def drop_pending_in_migration(op: Any) -> None:
    op.drop_index("ix_audit_log_nonce", table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("nonce")
    op.drop_table(PENDING)


def drop_key_id_in_migration(op: Any) -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("key_id")
