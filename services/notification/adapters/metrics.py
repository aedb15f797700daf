"""Notification's delivery metrics, one family per name with a `channel` label (`email`,
`webhook`), declared once here for every channel.

Latency is measured the same way on both channels: from the event's own `time` (when it
happened in the producing service, so the outbox, the broker and the consumer are counted) to
the moment the receiver accepted it, once per delivery that arrives, automatic retries
included. A delivery sent again by hand (an e-mail retry by the center, a webhook replay by its
integrator) is counted as sent but not observed: its latency would measure when a person asked.
An event notification took in late (a dead letter replayed, a subscription re-enabled) is
observed: that wait was the pipeline's.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Histogram

# The `channel` label's values.
EMAIL = "email"
WEBHOOK = "webhook"

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


def observe_latency(channel: str, event_time: datetime, delivered_at: datetime) -> None:
    """One delivery's latency; never negative, whatever the producers' clocks say."""
    LATENCY.labels(channel).observe(max((delivered_at - event_time).total_seconds(), 0.0))
