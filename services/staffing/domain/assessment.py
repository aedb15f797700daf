"""The annual assessment of windows and staff (EQ-3.2.2a–d).

The center assesses every window and every staff member once a year (EQ-3.2.2a). A staff
member's score comes from the year's facts (case steps, evaluations, complaints, findings,
training, attendance) by a published, versioned scheme; every point is explained by a line and
the lines add up to the score exactly. A window's score is the served-weighted average of its
staff, moved by what was found against the window itself, and counts in its unit's annual target
assessment with a weight of at least 5% (EQ-3.2.2b). Staff are graded excellent, competent,
basically competent or incompetent, and at most 20% of the assessed are excellent (EQ-3.2.2c):
the proposal keeps to the quota, calibration may pass it for a while, finalising may not, nor may
an appeal. Incompetent costs the year's awards at the home unit; excellent gives priority for
promotion; both go on the personal record (EQ-3.2.2d).

This module holds the terms (grades, a cycle's states, the kinds of fact) and who is assessed in
a year; the scheme is in `assessment_scheme.py`, the scores in `assessment_scores.py`, the quota
in `assessment_quota.py` and the grades, calibration and appeals in `assessment_grades.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from shared.errors import Invalid, RuleViolation

MIN_WINDOW_WEIGHT = Decimal("0.05")  # EQ-3.2.2b
APPEAL_DAYS = 30  # no rule sets it: the hall's default, configurable


class Grade(StrEnum):
    EXCELLENT = "excellent"
    COMPETENT = "competent"
    BASIC = "basically_competent"
    INCOMPETENT = "incompetent"


class CycleState(StrEnum):
    OPEN = "open"
    SCORED = "scored"
    FINALISED = "finalised"


class InputKind(StrEnum):
    CASE_STEP = "case_step"
    EVALUATION = "evaluation"
    COMPLAINT_UPHELD = "complaint_upheld"
    FINDING = "finding"
    SANCTION = "sanction"
    TRAINING = "training"
    ABSENT_UNAPPROVED = "absent_unapproved"
    LATE = "late"
    ACCOUNTABILITY = "accountability"  # a TJ-8.3 case concluded with a fault


def check_window_weight(weight: Decimal) -> Decimal:
    if not weight.is_finite() or not MIN_WINDOW_WEIGHT <= weight <= 1:
        raise RuleViolation(
            f"a window's result counts in its unit's annual target with a weight from "
            f"{MIN_WINDOW_WEIGHT} to 1, not {weight} (EQ-3.2.2b)",
            rule="EQ-3.2.2b",
            field="weight",
        )
    return weight


PUBLISHED_STATES = ("active", "suspended")  # a window the public sees (TJ-5.6, TJ-8.2)
ENDED_STATES = ("terminated", "revoked")  # a published window's duties ended (TJ-8.2, TJ-7.6)


def published_during(
    year: int, state: str, published_on: date | None, ended_on: date | None
) -> bool:
    """Whether a window was published on some day of `year`, so that it is assessed that year
    (EQ-3.2.2a), staff or no staff. `published_on` and `ended_on` are the first days it was seen
    published and ended; a window published before those were kept (None) counts while it is
    still published, or in the year it ended."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if ended_on is not None and ended_on < first:
        return False
    if published_on is not None:
        return published_on <= last
    if state in PUBLISHED_STATES:
        return True
    return ended_on is not None and ended_on <= last


def unit_halls(
    window_units: Mapping[int, str], window_halls: Mapping[int, str | None]
) -> dict[str, str]:
    """The hall of each unit's chief representative and deputy, who serve without a window post
    (EQ-3.1b): the hall where the unit runs the most windows, the lowest hall code of equals,
    so they are assessed in one hall's cycle (EQ-3.2.2a)."""
    counts: dict[str, dict[str, int]] = {}
    for window_id, unit in window_units.items():
        hall = window_halls.get(window_id)
        if hall:
            per_unit = counts.setdefault(unit, {})
            per_unit[hall] = per_unit.get(hall, 0) + 1
    return {
        unit: min(per_hall, key=lambda hall: (-per_hall[hall], hall))
        for unit, per_hall in counts.items()
    }


def served_share(year: int, periods: Iterable[tuple[date, date | None]]) -> Fraction:
    """The share of `year` covered by the periods (ends exclusive, None still serving), each day
    counted once however many periods cover it."""
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    spans = []
    for starts_on, ends_on in periods:
        if ends_on is not None and ends_on < starts_on:
            raise Invalid(f"a period ending {ends_on} starts after it", field="ends_on")
        start, end = max(starts_on, first), min(ends_on or after, after)
        if start < end:
            spans.append((start, end))
    covered, reach = 0, first
    for start, end in sorted(spans):
        if end > reach:
            covered += (end - max(start, reach)).days
            reach = end
    return Fraction(covered, (after - first).days)
