"""The tables every service has for messaging: outbox, processed events (inbox) and failed events.

Each service adds them to its own metadata, so they live in the service's own database and are
created by the service's own migrations.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, text

from shared.sqltypes import UTCDateTime


def add_messaging_tables(metadata: MetaData) -> None:
    add_idempotency_table(metadata)
    Table(
        "outbox",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("type", String(200), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text, nullable=True),
        Index(
            "ix_outbox_pending",
            "created_at",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
    )
    Table(
        "processed_events",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(100), primary_key=True),
        Column("processed_at", UTCDateTime(), nullable=False),
    )
    # Events a handler could not apply: retried with back-off, then kept as dead letters.
    Table(
        "failed_events",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(100), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("status", String(20), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("last_error", Text, nullable=False),
        Column("first_failed_at", UTCDateTime(), nullable=False),
        Column("next_attempt_at", UTCDateTime(), nullable=True),
        Column("updated_at", UTCDateTime(), nullable=False),
        Index("ux_failed_events_event", "consumer", "event_id", unique=True),
        Index("ix_failed_events_due", "status", "next_attempt_at"),
    )


def add_idempotency_table(metadata: MetaData) -> None:
    # A write sent again with the same Idempotency-Key gets the first answer back
    # (docs/architecture.md, "Asking twice gets the same answer").
    Table(
        "idempotency_keys",
        metadata,
        Column("actor", String(200), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("status", Integer, nullable=True),  # NULL while the first request is running
        Column("response", Text, nullable=True),
        Column("content_type", String(100), nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
    )


def messaging_table(metadata: MetaData, name: str) -> Table:
    return metadata.tables[name]
