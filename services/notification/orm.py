"""Notification's tables."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

from shared.audit import add_audit_table
from shared.db import UTCDateTime
from shared.messaging_tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)
add_audit_table(metadata)

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient", String(100), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("read_at", UTCDateTime(), nullable=True),
    # The same event never gives one recipient two notices on one channel.
    Index("ux_notices_once", "event_id", "recipient", "channel", unique=True),
    Index("ix_notices_inbox", "recipient", "id"),
)

# Each channel's tables, on this metadata (imported last: they import `metadata` from here).
from services.notification.email import orm as email_orm  # noqa: E402, F401
from services.notification.webhooks import orm as webhooks_orm  # noqa: E402, F401
