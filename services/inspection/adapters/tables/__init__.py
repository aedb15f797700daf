"""Inspection's tables, a module per topic, all on `base.metadata`; importing this package
puts every one of them on it (the app and alembic's env read `metadata` from here)."""

from __future__ import annotations

from services.inspection.adapters.tables import (
    complaints,
    draws,
    evaluations,
    findings,
    learned,
    proposals,
    sanctions,
)
from services.inspection.adapters.tables.base import metadata

__all__ = [
    "complaints",
    "draws",
    "evaluations",
    "findings",
    "learned",
    "metadata",
    "proposals",
    "sanctions",
]
