"""Placeholder: filled by the complaints work (issue 7)."""

from __future__ import annotations

from shared.service import Sweep

SWEEPS: tuple[Sweep, ...] = ()
