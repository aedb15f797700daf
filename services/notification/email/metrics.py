"""The e-mail channel's share of notification's delivery metrics."""

from __future__ import annotations

from services.notification.metrics import FAILED, LATENCY, RETRIED, SENT, observe_latency

CHANNEL = "email"

__all__ = ["CHANNEL", "FAILED", "LATENCY", "RETRIED", "SENT", "observe_latency"]
