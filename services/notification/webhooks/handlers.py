"""Placeholder: webhook deliveries (issue 9)."""

from __future__ import annotations

from shared.db import UnitOfWork
from shared.events import CloudEvent
from shared.service import Sweep

SWEEPS: tuple[Sweep, ...] = ()


def on_event(uow: UnitOfWork, event: CloudEvent) -> None:
    """Called with every event notification receives, in the same transaction."""
