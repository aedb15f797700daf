"""Grades (EQ-3.2.2c, EQ-3.2.2d): proposed by threshold within the quota, calibrated by the
center, appealed once final, and the consequence each carries to the personal record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import groupby

from services.staffing.domain.assessment import APPEAL_DAYS, CycleState, Grade
from services.staffing.domain.assessment_quota import over_quota, quota, quota_view
from services.staffing.domain.assessment_scheme import Scheme
from shared.errors import Invalid, StateConflict


def grade_for(scheme: Scheme, total: Decimal) -> Grade:
    if total >= scheme.excellent_from:
        return Grade.EXCELLENT
    if total >= scheme.competent_from:
        return Grade.COMPETENT
    return Grade.BASIC if total >= scheme.basic_from else Grade.INCOMPETENT


@dataclass(frozen=True)
class Ranked:
    staff_id: str
    total: Decimal
    timeliness: Decimal
    satisfaction: Decimal
    served: Fraction


def _rank(r: Ranked) -> tuple[Decimal, Decimal, Decimal, Fraction]:
    return (r.total, r.timeliness, r.satisfaction, r.served)


def propose(
    scheme: Scheme, ranked: Sequence[Ranked], *, exception: bool = False
) -> dict[str, Grade]:
    """Grades by threshold, excellent to at most the quota (EQ-3.2.2c) by total, then timeliness,
    then satisfaction, then share of the year served. People still tied where the quota ends are
    all proposed competent: the center calibrates, never the order of a list or an id."""
    if len({r.staff_id for r in ranked}) != len(ranked):
        raise Invalid("each staff member is ranked once", field="staff_id")
    grades = {r.staff_id: grade_for(scheme, r.total) for r in ranked}
    candidates = sorted((r for r in ranked if grades[r.staff_id] is Grade.EXCELLENT), key=_rank)
    room = quota(len(ranked), exception)
    for _, group in groupby(reversed(candidates), key=_rank):
        tied = [r.staff_id for r in group]
        if len(tied) <= room:
            room -= len(tied)
        else:
            room = 0  # and nobody ranked below a tie that does not fit passes it
            grades.update(dict.fromkeys(tied, Grade.COMPETENT))
    return grades


@dataclass(frozen=True)
class GradeChange:
    staff_id: str
    before: Grade
    after: Grade
    reason: str
    by: str
    kind: str  # "calibration" or "appeal"


def calibrate(
    state: CycleState, staff_id: str, before: Grade | None, after: Grade, reason: str, by: str
) -> GradeChange:
    """The center's change to a proposed grade. It may pass the quota for a while: the quota is
    shown while calibrating, and only finalising refuses it (EQ-3.2.2c). Someone not yet
    graded (a cycle only opened) has nothing to change yet."""
    if state is CycleState.OPEN or before is None:
        raise StateConflict("score the cycle first")
    if state is CycleState.FINALISED:
        raise StateConflict("the cycle is finalised; appeal instead")
    if not reason.strip():
        raise Invalid("a calibration says why", field="reason")
    if after is before:
        raise Invalid(f"{staff_id} is {before} already", field="grade")
    return GradeChange(staff_id, before, after, reason.strip(), by, "calibration")


def check_appeal(
    state: CycleState,
    finalised_on: date | None,
    today: date,
    reason: str,
    pending: bool,
    days: int = APPEAL_DAYS,
) -> None:
    if state is not CycleState.FINALISED or finalised_on is None:
        raise StateConflict("a grade is appealed once the cycle is finalised")
    deadline = finalised_on + timedelta(days=days)
    if today > deadline:
        raise StateConflict(f"appeals closed on {deadline}, {days} days after finalisation")
    if pending:
        raise StateConflict("an appeal of this staff member's grade is pending already")
    if not reason.strip():
        raise Invalid("an appeal says why", field="reason")


def decide_appeal(
    grades: Mapping[str, Grade],
    staff_id: str,
    after: Grade,
    reason: str,
    by: str,
    exception: bool = False,
) -> GradeChange:
    """Upheld (`after` differs) or dismissed (`after` is the current grade); an appeal is not
    upheld to excellent when the quota is full (EQ-3.2.2c)."""
    if staff_id not in grades:
        raise Invalid(f"{staff_id} was not assessed in this cycle", field="staff_id")
    if not reason.strip():
        raise Invalid("a decision on an appeal says why", field="reason")
    before = grades[staff_id]
    if after is not before and after is Grade.EXCELLENT:
        view = quota_view([*(g for s, g in grades.items() if s != staff_id), after], exception)
        if view.over_by:
            raise over_quota(view)
    return GradeChange(staff_id, before, after, reason.strip(), by, "appeal")


@dataclass(frozen=True)
class Consequence:
    award_eligible: bool
    promotion_priority: bool
    note: str


def consequence(grade: Grade) -> Consequence:
    """EQ-3.2.2d; the grade and this note go on the personal record."""
    if grade is Grade.INCOMPETENT:
        note = "incompetent: no annual award at the home unit this year (EQ-3.2.2d)"
        return Consequence(False, False, note)
    if grade is Grade.EXCELLENT:
        return Consequence(True, True, "excellent: priority for promotion (EQ-3.2.2d)")
    return Consequence(True, False, f"{grade}: on the personal record (EQ-3.2.2d)")
