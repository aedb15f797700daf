"""Placeholder: the sanctions tables (issue 8), on inspection's one metadata."""

from __future__ import annotations

from services.inspection.orm import metadata  # noqa: F401
