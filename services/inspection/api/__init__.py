"""Inspection's HTTP adapter: one module per area, each with its `blueprints`."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.inspection.api import (
    bad_reviews,
    complaints,
    draw_plans,
    draws,
    evaluations,
    findings,
    guidance_visits,
    inspectors,
    proposals,
    rankings,
    sanctions,
    units,
)


def blueprints() -> list[Blueprint]:
    return [
        *units.blueprints(),
        *inspectors.blueprints,
        *draw_plans.blueprints,
        *draws.blueprints,
        *findings.blueprints,
        *guidance_visits.blueprints,
        *evaluations.blueprints,
        *bad_reviews.blueprints,
        *rankings.blueprints,
        *complaints.blueprints,
        *sanctions.blueprints,
        *proposals.blueprints,
    ]
