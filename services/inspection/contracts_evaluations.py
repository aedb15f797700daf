"""Placeholder: the evaluations events (issue 7); registered when services.inspection.contracts is
imported."""

from __future__ import annotations
