"""The events notification publishes: each channel declares its own."""

from __future__ import annotations

from services.notification.webhooks import contracts as webhooks  # noqa: F401  (registers)
