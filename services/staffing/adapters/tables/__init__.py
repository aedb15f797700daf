"""Staffing's tables, a module per topic, all on `base.metadata`; importing this package puts
every one of them on it (the app and alembic's env read `metadata` from here) and names each
table, so that `tables.staff` is the staff table whichever module declares it."""

from __future__ import annotations

from services.staffing.adapters.tables.assessment import (
    assessment_appeals,
    assessment_cycles,
    assessment_grade_changes,
    assessment_inputs,
    assessment_results,
    assessment_schemes,
    assessment_stints,
    assessment_unit_weights,
    assessment_window_results,
    personal_records,
)
from services.staffing.adapters.tables.base import metadata
from services.staffing.adapters.tables.learned import case_work, units, windows
from services.staffing.adapters.tables.seal_log import seal_uses, seals
from services.staffing.adapters.tables.staff_changes import absences, returns, rotations
from services.staffing.adapters.tables.staff_posts import (
    assignments,
    chief_representatives,
    posts,
    staff,
)
from services.staffing.adapters.tables.training import attendance, trainings

__all__ = [
    "absences",
    "assessment_appeals",
    "assessment_cycles",
    "assessment_grade_changes",
    "assessment_inputs",
    "assessment_results",
    "assessment_schemes",
    "assessment_stints",
    "assessment_unit_weights",
    "assessment_window_results",
    "assignments",
    "attendance",
    "case_work",
    "chief_representatives",
    "metadata",
    "personal_records",
    "posts",
    "returns",
    "rotations",
    "seal_uses",
    "seals",
    "staff",
    "trainings",
    "units",
    "windows",
]
