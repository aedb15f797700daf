"""Placeholder: filled by the evaluations work (issue 7)."""

from __future__ import annotations

from shared.service import Sweep

SWEEPS: tuple[Sweep, ...] = ()
