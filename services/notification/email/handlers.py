"""Placeholder: e-mail deliveries (issue 9)."""

from __future__ import annotations

from typing import Any

from shared.db import UnitOfWork
from shared.events import CloudEvent
from shared.service import Sweep

SWEEPS: tuple[Sweep, ...] = ()


def on_notices(uow: UnitOfWork, event: CloudEvent, notices: list[Any]) -> None:
    """Called with the inbox notices just recorded for `event`, in the same transaction."""
