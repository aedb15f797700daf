"""The webhooks tables, on notification's one metadata.

`webhook_events` keeps every event notification received (body once), so a time range can be
replayed; `webhook_deliveries` is one row per (subscription, event), never two; each try of a
delivery leaves a row in `webhook_attempts`, the log an integrator reads.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from services.notification.adapters.tables.inbox import metadata
from shared.sqltypes import UTCDateTime

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(200), nullable=False),  # the integrator token's `sub`
    Column("url", String(2000), nullable=False),
    Column("event_types", JSON, nullable=False),  # topic patterns
    Column("description", String(500), nullable=False),
    Column("secret", String(100), nullable=False),
    # Kept for a day after a rotation, so a receiver can switch keys without losing messages.
    Column("previous_secret", String(100), nullable=True),
    Column("previous_secret_until", UTCDateTime(), nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", Text, nullable=True),
    Column("consecutive_failures", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_webhook_subscriptions_owner", "owner", "id"),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("type", String(200), nullable=False),
    Column("body", Text, nullable=False),  # the CloudEvent JSON, exactly as delivered
    Column("received_at", UTCDateTime(), nullable=False),
    Index("ix_webhook_events_received", "received_at"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_id", String(100), ForeignKey("webhook_events.event_id"), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # pending, delivered, failed
    Column("attempts", Integer, nullable=False),  # failed tries since it was last (re)queued
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("lease", String(36), nullable=True),  # the sender holding it, until next_attempt_at
    Column("last_status_code", Integer, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("delivered_at", UTCDateTime(), nullable=True),
    # Set by a replay (of the delivery or of a time range): its latency measures when the
    # integrator asked, not the pipeline, so the latency histogram leaves it out.
    Column("requeued_at", UTCDateTime(), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    # An event reaches a subscription once; a replay re-sends the same delivery.
    Index("ux_webhook_deliveries_once", "subscription_id", "event_id", unique=True),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "delivery_id",
        Integer,
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("attempted_at", UTCDateTime(), nullable=False),
    Column("status_code", Integer, nullable=True),  # None: no answer (refused, timed out)
    Column("error", Text, nullable=True),
    Column("response", Text, nullable=False),  # the answer's first characters
    Column("duration_ms", Integer, nullable=False),
    Index("ix_webhook_attempts_delivery", "delivery_id", "id"),
)
