"""Notification's tables, a module per topic, all on one metadata (`inbox.metadata`)."""

from __future__ import annotations

from services.notification.adapters.tables.email import email_addresses, email_deliveries
from services.notification.adapters.tables.inbox import (
    audit_checkpoints,
    case_receipts,
    metadata,
    notices,
)
from services.notification.adapters.tables.webhooks import (
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
    webhook_subscriptions,
)

__all__ = [
    "audit_checkpoints",
    "case_receipts",
    "email_addresses",
    "email_deliveries",
    "metadata",
    "notices",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_events",
    "webhook_subscriptions",
]
