"""Placeholder: filled by the proposals work (issue 8)."""

from __future__ import annotations

from shared.service import Sweep

SWEEPS: tuple[Sweep, ...] = ()
