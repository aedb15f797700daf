"""The events notification publishes: each channel declares its own."""

from __future__ import annotations

from services.notification.contracts import webhooks  # noqa: F401  (registers)
