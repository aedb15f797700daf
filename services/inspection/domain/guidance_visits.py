"""Guidance visits (TJ-7.2): who may visit, and the problems a visit records."""

from __future__ import annotations

from datetime import date

from services.inspection.domain.findings import GUIDANCE, IN_SERVICE, SUPERVISION, text
from shared.errors import (
    Forbidden,
    Invalid,
    RuleViolation,
    StateConflict,
)

VISITORS = frozenset({"authority", "unit"})  # TJ-7.2


def check_visit_problem(
    window_id: int, visit_window_id: int, number: int, problems: int, taken_by: int | None
) -> None:
    """A finding from a guidance visit records one of its problems, on the same window, once
    (a withdrawn finding leaves the problem free for its correction)."""
    if visit_window_id != window_id:
        raise RuleViolation(
            f"that guidance visit was to window {visit_window_id}, not {window_id} (TJ-7.2)",
            rule=GUIDANCE,
            field="window_id",
        )
    if not 1 <= number <= problems:
        raise Invalid(
            f"the visit recorded {problems} problem(s); no number {number}",
            rule=GUIDANCE,
            field="problem_number",
        )
    if taken_by is not None:
        raise StateConflict(
            f"problem {number} is recorded as finding {taken_by}",
            rule=GUIDANCE,
            field="problem_number",
        )


def check_visitor(role: str) -> None:
    """The authority visits any window; a unit its own, which the caller checks as it checks
    every unit token's reach (another unit's window is not found)."""
    if role not in VISITORS:
        raise Forbidden(
            "guidance visits are made by the authority or the unit (TJ-7.2)", rule=GUIDANCE
        )


def check_visit(
    window_id: int, state: str, visited_on: date, today: date, visitors: list[str], summary: str
) -> tuple[list[str], str]:
    """The visitors' names and the summary, cleaned; a visit is recorded once it has happened."""
    if state not in IN_SERVICE:
        raise RuleViolation(
            f"window {window_id} is {state}: guidance visits are to windows in service (TJ-7.2)",
            rule=GUIDANCE,
            field="window_id",
        )
    if visited_on > today:
        raise Invalid(
            f"a visit is recorded after it happened; {visited_on} is ahead",
            rule=GUIDANCE,
            field="visited_on",
        )
    names = [name.strip() for name in visitors]
    if not names or not all(names):
        raise Invalid("name everyone who made the visit", rule=GUIDANCE, field="visitors")
    return names, text(summary, "summary", "what the visit looked at", GUIDANCE)


def check_findings_in_visit(role: str, with_findings: bool) -> None:
    """A unit records the problems its visit found; recording one as a finding (a violation on
    the unit's record, TJ-4.3) is the supervising authority's act (TJ-1)."""
    if with_findings and role != "authority":
        raise Forbidden(
            "a unit records the problems its visit found (TJ-7.2); the authority, which "
            "supervises, records them as findings (TJ-1)",
            rule=SUPERVISION,
            field="problems",
        )
