"""Inspection's HTTP adapter: one module per area, each with its `blueprints`."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.inspection.api import (
    complaints,
    draws,
    evaluations,
    findings,
    proposals,
    sanctions,
    units,
)


def blueprints() -> list[Blueprint]:
    return [
        *units.blueprints(),
        *draws.blueprints,
        *findings.blueprints,
        *evaluations.blueprints,
        *complaints.blueprints,
        *sanctions.blueprints,
        *proposals.blueprints,
    ]
