"""The events registry consumes: event type → handler, one table."""

from __future__ import annotations

from shared.consumer import Handler

SUBSCRIPTIONS: dict[str, Handler] = {}
