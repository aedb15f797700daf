"""Placeholder: the proposals events (issue 8); registered when services.inspection.contracts is
imported."""

from __future__ import annotations
