"""Placeholder: the evaluations tables (issue 7), on inspection's one metadata."""

from __future__ import annotations

from services.inspection.orm import metadata  # noqa: F401
