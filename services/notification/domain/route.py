"""A route: who is told of an event and the notice's one-line title, bilingual."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Text = Callable[[dict[str, Any]], str]
Recipients = Callable[[dict[str, Any]], tuple[str, ...]]


@dataclass(frozen=True)
class Route:
    recipients: Recipients
    title: Text


@dataclass(frozen=True)
class Notice:
    recipient: str
    title: str


def window_title(zh: str, en: str) -> Text:
    return lambda d: f"{zh} {en}: {d['name_zh']} / {d['name_en']} (#{d['window_id']})"


def unit_and(*roles: str) -> Recipients:
    """The roles named, and the unit the event is about."""
    return lambda d: (*roles, f"unit:{d['unit_code']}")
