"""Staffing's HTTP adapter: one blueprint per resource."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.staffing.api import (
    absences,
    assessment,
    assessment_appeals,
    assessment_results,
    posts,
    seals,
    staff,
    units,
)

# The assessment's routes are split by topic over these modules, all on `assessment.blp`:
# importing them is what adds their routes to it.
ASSESSMENT_ROUTES = (assessment, assessment_appeals, assessment_results)


def blueprints() -> list[Blueprint]:
    return [
        units.units,
        units.work,
        staff.blp,
        posts.blp,
        posts.assignments_blp,
        posts.coverage_blp,
        posts.chiefs_blp,
        *absences.blueprints,
        *seals.blueprints,
        assessment.blp,
        assessment.schemes_blp,
    ]
