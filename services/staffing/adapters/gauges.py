"""The hall's state for Prometheus, read at scrape time: each year's assessment by grade
(EQ-3.2.2c), `none` for staff not yet graded."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.staffing.adapters import tables
from shared.scrape import BusinessGauge, Samples

R = tables.assessment_results


def _assessed(session: Session) -> Samples:
    query = select(R.c.year, R.c.grade, func.count()).group_by(R.c.year, R.c.grade)
    return [((str(year), grade or "none"), n) for year, grade, n in session.execute(query)]


GAUGES = (
    BusinessGauge(
        "govhall_staffing_assessment_staff",
        "Staff in a year's assessment, by the grade they hold (none: not graded yet)",
        ("year", "grade"),
        _assessed,
    ),
)
