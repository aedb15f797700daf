"""The webhook channel's share of notification's delivery metrics."""

from __future__ import annotations

from services.notification.metrics import DISABLED, FAILED, LATENCY, RETRIED, SENT, observe_latency

CHANNEL = "webhook"

__all__ = ["CHANNEL", "DISABLED", "FAILED", "LATENCY", "RETRIED", "SENT", "observe_latency"]
