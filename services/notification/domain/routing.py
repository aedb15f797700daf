"""Who is told of which event. Recipients are inbox keys: a role (`authority`, `center`) or a
unit (`unit:<code>`). Templates per channel and language come with the notification issue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Text = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Route:
    recipients: Callable[[dict[str, Any]], tuple[str, ...]]
    title: Text


@dataclass(frozen=True)
class Notice:
    recipient: str
    title: str


ROUTES: dict[str, Route] = {
    "govhall.registry.unit.registered.v1": Route(
        recipients=lambda data: ("authority", f"unit:{data['code']}"),
        title=lambda data: f"新单位已登记 Unit registered: {data['name']} ({data['district']})",
    ),
}


def notices_for(event_type: str, data: dict[str, Any]) -> list[Notice]:
    route = ROUTES.get(event_type)
    if route is None:
        return []
    title = route.title(data)
    return [Notice(recipient=recipient, title=title) for recipient in route.recipients(data)]


def inbox_keys(role: str, unit: str | None) -> tuple[str, ...]:
    """The inboxes a caller reads: a unit token only its own unit's."""
    return (f"unit:{unit}",) if role == "unit" else (role,)
