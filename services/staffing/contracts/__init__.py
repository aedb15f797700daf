"""The events staffing publishes, a module per topic; importing this package registers them all
(the catalog, the app). Names, never ID numbers or phone numbers."""

from __future__ import annotations

from services.staffing.contracts import (
    absences,
    assessment,
    chiefs,
    posts,
    returns,
    rotation,
    seals,
    staff,
    training,
)

__all__ = [
    "absences",
    "assessment",
    "chiefs",
    "posts",
    "returns",
    "rotation",
    "seals",
    "staff",
    "training",
]
