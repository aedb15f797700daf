"""Staffing's HTTP adapter: one blueprint per resource."""

from __future__ import annotations

from flask_smorest import Blueprint


def blueprints() -> list[Blueprint]:
    from services.staffing.api import absences, assessment, posts, seals, staff, units

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
