"""Findings of inspections (TJ-7.4) and guidance visits (TJ-7.2), with the rectification the
authority orders by a deadline in working days (TJ-8.1).

A finding names the window, the case and the staff member if any, its severity, the rule it
breaches (a docs/rules.md ID) and the rectification asked for. It is never deleted: a wrong one is
withdrawn with a reason and stays listed, and a correction is a new finding. Evidence is kept
byte for byte with its SHA-256, which is checked again whenever it is read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from services.inspection.domain.deadlines import configured_workdays
from shared.errors import (
    Forbidden,
    Invalid,
    RuleViolation,
    StateConflict,
    member_of,
)

GUIDANCE = "TJ-7.2"
INSPECTION = "TJ-7.4"
RECTIFICATION = "TJ-8.1"
SUPERVISION = "TJ-1"

RECTIFICATION_WORKDAYS = 10  # the hall's default; FINDING_RECTIFICATION_DAYS overrides it
MAX_RECTIFICATION_WORKDAYS = 60


RULE_ID = re.compile(r"^(TJ|EQ)-\d+(\.\d+)*[a-z]?$")
# Every TJ and EQ rule of docs/rules.md: a finding breaches one of these.
KNOWN_RULES = frozenset(
    {
        *("TJ-1", "TJ-2.1", "TJ-4.1", "TJ-4.2", "TJ-4.3"),
        *("TJ-5.1", "TJ-5.2", "TJ-5.3", "TJ-5.4", "TJ-5.5", "TJ-5.6"),
        *("TJ-6.1", "TJ-6.2", "TJ-6.3", "TJ-6.4", "TJ-6.5"),
        *("TJ-7.1", "TJ-7.2", "TJ-7.3", "TJ-7.4", "TJ-7.5", "TJ-7.6"),
        *("TJ-8.1", "TJ-8.2", "TJ-8.3"),
        *("EQ-1.1", "EQ-1.2", "EQ-1.3", "EQ-1.4", "EQ-2.1"),
        *("EQ-2.2a", "EQ-2.2b", "EQ-2.2c", "EQ-2.2d"),
        *("EQ-3.1a", "EQ-3.1b", "EQ-3.2.2a", "EQ-3.2.2b", "EQ-3.2.2c", "EQ-3.2.2d"),
        *("EQ-3.2.3", "EQ-3.2.4", "EQ-3.2.5", "EQ-3.2.6"),
        *("EQ-4.2", "EQ-4.3", "EQ-4.4a", "EQ-4.4b", "EQ-4.4c", "EQ-4.4d", "EQ-4.5"),
    }
)


# A window that has served the public may carry findings, even after it ended (a late finding
# about a past case); only a window in service is visited.
SERVED = frozenset({"active", "suspended", "terminated", "revoked"})


IN_SERVICE = frozenset({"active", "suspended"})


class WorkingDays(Protocol):
    def add_workdays(self, start: date, n: int) -> date: ...


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    SERIOUS = "serious"


class Source(StrEnum):
    DRAW = "draw"  # proportional sampling of cases (TJ-7.4)
    SPOT_CHECK = "spot_check"  # a random spot check of a window (TJ-7.4)
    GUIDANCE_VISIT = "guidance_visit"  # TJ-7.2
    COMPLAINT = "complaint"
    OTHER = "other"


class Status(StrEnum):
    OPEN = "open"  # rectification asked, not reported (or the report was rejected)
    REPORTED = "reported"  # the unit says it is rectified; the inspectors verify
    RECTIFIED = "rectified"
    WITHDRAWN = "withdrawn"


def severity_of(name: str) -> Severity:
    detail = f"a finding's severity is {', '.join(Severity)}"
    return member_of(Severity, name, field="severity", detail=detail, rule=INSPECTION)


def source_of(name: str) -> Source:
    """Where the finding comes from: a draw, a spot check, a guidance visit, a complaint…"""
    detail = f"a finding comes from one of {', '.join(Source)}"
    return member_of(Source, name, field="source", detail=detail, rule=INSPECTION)


def rule_breached(text: str) -> str:
    """A docs/rules.md ID such as `EQ-4.4b` or `TJ-8.3`."""
    rule = text.strip()
    if not RULE_ID.match(rule):
        raise Invalid(
            f"name the rule breached as in docs/rules.md, e.g. EQ-4.4b; not {rule!r}",
            rule=INSPECTION,
            field="rule",
        )
    if rule not in KNOWN_RULES:
        raise Invalid(f"docs/rules.md has no rule {rule}", rule=INSPECTION, field="rule")
    return rule


def check_window_for_finding(window_id: int, state: str) -> None:
    if state not in SERVED:
        raise RuleViolation(
            f"window {window_id} is {state} and has served nobody yet: findings of inspections "
            f"are about windows in service (TJ-7.4)",
            rule=INSPECTION,
            field="window_id",
        )


def check_case(window_id: int, case_id: int, case_window_id: int | None) -> None:
    if case_window_id is None:
        raise Invalid(f"inspection knows no case {case_id}", rule=INSPECTION, field="case_id")
    if case_window_id != window_id:
        raise Invalid(
            f"case {case_id} was handled at window {case_window_id}, not {window_id}",
            rule=INSPECTION,
            field="case_id",
        )


def check_source(source: Source, source_id: int | None, problem_number: int | None) -> None:
    """A draw or a guidance visit is named by its id; a visit's problem by its number."""
    if source in (Source.DRAW, Source.GUIDANCE_VISIT) and source_id is None:
        raise Invalid(
            f"name the {source.value.replace('_', ' ')} by its id",
            rule=GUIDANCE if source is Source.GUIDANCE_VISIT else INSPECTION,
            field="source_id",
        )
    if source is Source.GUIDANCE_VISIT and problem_number is None:
        raise Invalid(
            "name the problem of the visit this finding records (TJ-7.2)",
            rule=GUIDANCE,
            field="problem_number",
        )
    if source is not Source.GUIDANCE_VISIT and problem_number is not None:
        raise Invalid(
            "only a guidance visit has numbered problems", rule=GUIDANCE, field="problem_number"
        )


# What a draw named as a finding's source must be: a sampling draw for `draw`, a spot check's
# draw for `spot_check` (Kind in domain/draws.py).
DRAW_KINDS = {Source.DRAW: "sampling", Source.SPOT_CHECK: "spot_check"}


@dataclass(frozen=True)
class Drawn:
    """A draw named as a finding's source: its kind, the round that replaced it if any, and
    what it picked (each window drawn, with the cases drawn there; none for a spot check)."""

    kind: str
    superseded_by: int | None
    picked: Mapping[int, frozenset[int]]


def check_drawn(
    source: Source, draw_id: int, drawn: Drawn | None, window_id: int, case_id: int | None
) -> None:
    """A finding of a joint inspection is about what its draw picked (TJ-7.4): a window the draw
    drew and, for proportional sampling, a case it drew if one is named. A superseded round
    was replaced with a reason: nothing found in it is recorded as drawn."""
    kind = DRAW_KINDS[source]
    if drawn is None or drawn.kind != kind:
        raise Invalid(
            f"no {kind.replace('_', ' ')} draw {draw_id}", rule=INSPECTION, field="source_id"
        )
    if drawn.superseded_by is not None:
        raise RuleViolation(
            f"draw {draw_id} was superseded by draw {drawn.superseded_by}: record findings "
            "of the draw that stands (TJ-7.4)",
            rule=INSPECTION,
            field="source_id",
        )
    if window_id not in drawn.picked:
        raise RuleViolation(
            f"draw {draw_id} did not draw window {window_id}: a finding of a draw is about "
            "what it picked (TJ-7.4)",
            rule=INSPECTION,
            field="window_id",
        )
    if source is Source.DRAW and case_id is not None and case_id not in drawn.picked[window_id]:
        raise RuleViolation(
            f"draw {draw_id} did not draw case {case_id}: a finding of proportional sampling "
            "is about a case drawn, or about the window (TJ-7.4)",
            rule=INSPECTION,
            field="case_id",
        )


def check_correction(
    window_id: int, corrects_id: int, status: str | None, of_window: int | None
) -> None:
    """A correction replaces a withdrawn finding of the same window: both never count."""
    if status is None or of_window != window_id:
        raise Invalid(
            f"window {window_id} has no finding {corrects_id}", rule=INSPECTION, field="corrects_id"
        )
    if status != Status.WITHDRAWN:
        raise StateConflict(
            f"withdraw finding {corrects_id}, with the reason, before recording its correction",
            rule=INSPECTION,
            field="corrects_id",
        )


def configured_days(configured: str | None) -> int:
    """`FINDING_RECTIFICATION_DAYS` as set, or the default when it is not; a ValueError when it
    is not a whole number of working days in range (the caller logs it and uses the default)."""
    return configured_workdays(
        "FINDING_RECTIFICATION_DAYS", configured, RECTIFICATION_WORKDAYS, MAX_RECTIFICATION_WORKDAYS
    )


def rectification_days(requested: int | None, configured: int) -> int:
    days = configured if requested is None else requested
    if not 1 <= days <= MAX_RECTIFICATION_WORKDAYS:
        raise Invalid(
            f"a rectification deadline is 1–{MAX_RECTIFICATION_WORKDAYS} working days",
            rule=RECTIFICATION,
            field="rectification_days",
        )
    return days


def due_on(calendar: WorkingDays, ordered_on: date, days: int) -> date:
    """The last day to rectify: `days` working days after the order (TJ-8.1)."""
    return calendar.add_workdays(ordered_on, days)


def is_overdue(status: Status, due: date, today: date) -> bool:
    """Not reported by the deadline (TJ-8.2 terminates a window left so)."""
    return status is Status.OPEN and today > due


def text(value: str, field: str, what: str, rule: str = INSPECTION) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise Invalid(f"say {what}", rule=rule, field=field)
    return cleaned


def check_reporter(finding_unit: str, reporter_unit: str | None) -> None:
    if reporter_unit != finding_unit:
        raise Forbidden(
            f"{finding_unit} was ordered to rectify and reports it (TJ-8.1)",
            rule=RECTIFICATION,
        )


def report_rectification(status: Status) -> Status:
    if status is Status.WITHDRAWN:
        raise StateConflict(
            "the finding is withdrawn: nothing to rectify", rule=RECTIFICATION, field="report"
        )
    if status is not Status.OPEN:
        raise StateConflict(
            f"the rectification is {status.value} already", rule=RECTIFICATION, field="report"
        )
    return Status.REPORTED


def verify(status: Status, accepted: bool, note: str) -> Status:
    if status is not Status.REPORTED:
        raise StateConflict(
            f"no rectification report awaits verification; the finding is {status.value}",
            rule=RECTIFICATION,
            field="accepted",
        )
    if not accepted and not note.strip():
        raise Invalid(
            "say what is still wrong, so the unit can put it right",
            rule=RECTIFICATION,
            field="note",
        )
    return Status.RECTIFIED if accepted else Status.OPEN


def withdraw(status: Status, reason: str) -> Status:
    if status is Status.WITHDRAWN:
        raise StateConflict("the finding is withdrawn already", rule=INSPECTION, field="reason")
    text(reason, "reason", "why the finding is withdrawn")
    return Status.WITHDRAWN


def can_see(unit: str | None, window_units: tuple[str, ...]) -> bool:
    """Every role but `unit` sees every window; a unit its own and the ones it shares."""
    return unit is None or unit in window_units
