"""Placeholder: the email tables (issue 9), on notification's one metadata."""

from __future__ import annotations

from services.notification.orm import metadata  # noqa: F401
