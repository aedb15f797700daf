"""A route: who is told of an event, as inbox keys (`inboxes`). What they are told is a template
per event type, channel and language (services/notification/adapters/templates/README.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from services.notification.domain.inboxes import unit_key

Route = Callable[[dict[str, Any]], Iterable[str]]


def unit_and(*roles: str) -> Route:
    """The roles named, and the unit the event is about."""
    return lambda d: (*roles, unit_key(d["unit_code"]))


def only(*roles: str) -> Route:
    """The roles named, whatever the event says."""
    return lambda d: roles
