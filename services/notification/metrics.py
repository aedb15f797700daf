"""Notification's delivery metrics, one family per name with a `channel` label (`email`,
`webhook`), declared once here for every channel."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SENT = Counter("govhall_notification_sent", "Notices delivered, by channel", ["channel"])
FAILED = Counter(
    "govhall_notification_failed", "Deliveries given up after the last attempt", ["channel"]
)
RETRIED = Counter("govhall_notification_retried", "Failed attempts scheduled again", ["channel"])
DISABLED = Counter(
    "govhall_notification_disabled",
    "Webhook subscriptions disabled after failing in a row",
    ["channel"],
)
LATENCY = Histogram(
    "govhall_notification_delivery_seconds",
    "From the event to its delivery, by channel",
    ["channel"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400),
)
