"""The channel metrics, one family per name with a `channel` label shared with e-mail.

Whichever channel module is imported first declares a family; the other takes the declared one,
so the two never collide in Prometheus's registry.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram

CHANNEL = "webhook"


def _declared(name: str) -> Any:
    # prometheus-client has no public lookup; its registry maps every sample name to a family.
    return REGISTRY._names_to_collectors.get(name)


def _counter(name: str, documentation: str) -> Counter:
    existing = _declared(f"{name}_total") or _declared(name)
    if isinstance(existing, Counter):
        return existing
    return Counter(name, documentation, ["channel"])


def _histogram(name: str, documentation: str) -> Histogram:
    existing = _declared(f"{name}_bucket") or _declared(name)
    if isinstance(existing, Histogram):
        return existing
    return Histogram(
        name,
        documentation,
        ["channel"],
        buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400),
    )


SENT = _counter("govhall_notification_sent", "Notices delivered, by channel")
FAILED = _counter("govhall_notification_failed", "Deliveries given up after the last attempt")
RETRIED = _counter("govhall_notification_retried", "Failed attempts scheduled again")
DISABLED = _counter(
    "govhall_notification_disabled", "Webhook subscriptions disabled after failing in a row"
)
LATENCY = _histogram(
    "govhall_notification_delivery_seconds",
    "From a notice being recorded to its delivery, by channel",
)
