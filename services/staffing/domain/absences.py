"""Absences of A or B and who covers the post (EQ-3.2.5).

A reports an absence to the chief representative at least one working day ahead: the first
working day of the absence is on or after the first working day after the report. A shorter
notice is accepted, since people fall ill, but flagged `late`. The chief (or the deputy)
approves, and B is told to cover. A post where neither A nor B is present is uncovered.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from services.staffing.domain.posts import Seat
from shared.errors import Conflict, Invalid, RuleViolation, StateConflict

NOTICE_WORKDAYS = 1  # EQ-3.2.5
RULE = "EQ-3.2.5"
# How long before it is entered a report may be dated: A's Friday call entered on Monday, or a
# call before a week's public holiday entered after it; anything older is not a record of a
# call but an excuse written afterwards.
MAX_REPORT_DELAY = timedelta(days=7)


class WorkingDays(Protocol):
    def is_workday(self, day: date) -> bool: ...
    def add_workdays(self, start: date, n: int) -> date: ...


class AbsenceStatus(StrEnum):
    REPORTED = "reported"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Absence:
    staff_id: str
    starts_on: date
    ends_on: date
    reason: str
    reported_on: date
    late: bool
    status: AbsenceStatus = AbsenceStatus.REPORTED
    decided_by: str | None = None
    cover_staff_id: str | None = None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def overlap(self, other: Absence) -> tuple[date, date] | None:
        start, end = max(self.starts_on, other.starts_on), min(self.ends_on, other.ends_on)
        return (start, end) if start <= end else None


def is_late(calendar: WorkingDays, reported_on: date, starts_on: date, ends_on: date) -> bool:
    """Less than one working day's notice: the first working day missed comes before the first
    working day after the report. Days off at the start of an absence miss nobody."""
    first_missed = first_workday(calendar, starts_on, ends_on)
    return first_missed is not None and first_missed < calendar.add_workdays(
        reported_on, NOTICE_WORKDAYS
    )


def check_reported_at(reported_at: datetime, now: datetime) -> datetime:
    """When A told the chief representative (EQ-3.2.5), which the notice is counted from: never
    after now, and at most MAX_REPORT_DELAY before it is entered."""
    if reported_at > now:
        raise Invalid(
            f"an absence is reported by now, not at {reported_at.isoformat()}", field="reported_at"
        )
    if now - reported_at > MAX_REPORT_DELAY:
        raise Invalid(
            f"a report is entered within {MAX_REPORT_DELAY.days} days of A's call; "
            f"{reported_at.isoformat()} is older",
            field="reported_at",
        )
    return reported_at


def report(
    calendar: WorkingDays,
    staff_id: str,
    starts_on: date,
    ends_on: date,
    reason: str,
    reported_on: date,
) -> Absence:
    if ends_on < starts_on:
        raise Invalid("an absence ends on or after the day it starts", field="ends_on")
    if not reason.strip():
        raise Invalid("say why A will be absent", field="reason")
    late = is_late(calendar, reported_on, starts_on, ends_on)
    return Absence(staff_id, starts_on, ends_on, reason.strip(), reported_on, late)


def check_not_reported_twice(new: Absence, existing: list[Absence]) -> None:
    for other in existing:
        if other.status is not AbsenceStatus.REJECTED and new.overlap(other):
            raise Conflict(
                f"an absence from {other.starts_on} to {other.ends_on} is reported already "
                "(EQ-3.2.5)",
                rule=RULE,
                field="starts_on",
            )


def check_decider(
    chief_staff_id: str | None, deputy_staff_id: str | None, decider: str, absent_staff: str
) -> None:
    """EQ-3.2.5: A reports to the chief representative; the deputy stands in for the chief."""
    if chief_staff_id is None:
        raise RuleViolation(
            "the unit has no chief representative to decide on absences (EQ-3.2.5)",
            rule=RULE,
            field="chief_staff_id",
        )
    if decider not in (chief_staff_id, deputy_staff_id):
        raise RuleViolation(
            "only the unit's chief representative or the deputy decides on an absence (EQ-3.2.5)",
            rule=RULE,
            field="chief_staff_id",
        )
    if decider == absent_staff:
        raise RuleViolation(
            "nobody approves their own absence (EQ-3.2.5)", rule=RULE, field="chief_staff_id"
        )


def _decide(absence: Absence, status: AbsenceStatus, decider: str, cover: str | None) -> Absence:
    if absence.status is not AbsenceStatus.REPORTED:
        raise StateConflict(f"the absence is {absence.status} already", rule=RULE)
    return replace(absence, status=status, decided_by=decider, cover_staff_id=cover)


def approve(absence: Absence, decider: str, seat: Seat | None) -> Absence:
    """B covers when A is away; when B is away, A is there and nobody needs to cover."""
    cover = seat.b if seat is not None and seat.a == absence.staff_id else None
    return _decide(absence, AbsenceStatus.APPROVED, decider, cover)


def reject(absence: Absence, decider: str) -> Absence:
    return _decide(absence, AbsenceStatus.REJECTED, decider, None)


def other_holder(seat: Seat, staff_id: str) -> str | None:
    return seat.b if seat.a == staff_id else seat.a


def first_workday(calendar: WorkingDays, start: date, end: date) -> date | None:
    day = start
    while day <= end:
        if calendar.is_workday(day):
            return day
        day += timedelta(days=1)
    return None


Span = tuple[int | None, date, date]


def uncovered_spans(absence: Absence, other_exists: bool, others: dict[int, Absence]) -> list[Span]:
    """The days of an approved absence when the post's other holder is missing or away too,
    each with the other holder's absence that causes it (None: there is no other holder)."""
    if not other_exists:
        return [(None, absence.starts_on, absence.ends_on)]
    spans: list[Span] = []
    for key, other in sorted(others.items(), key=lambda item: item[1].starts_on):
        overlap = absence.overlap(other)
        if other.status is AbsenceStatus.APPROVED and overlap is not None:
            spans.append((key, *overlap))
    return spans


@dataclass(frozen=True)
class Cover:
    """Who is at a post on one day: A, or B covering, or nobody (EQ-3.2.5)."""

    seat: Seat
    absent: frozenset[str]

    @property
    def a_present(self) -> bool:
        return self.seat.a is not None and self.seat.a not in self.absent

    @property
    def b_present(self) -> bool:
        return self.seat.b is not None and self.seat.b not in self.absent

    @property
    def present(self) -> str | None:
        if self.a_present:
            return self.seat.a
        return self.seat.b if self.b_present else None

    @property
    def covering(self) -> bool:
        """B stands in because A is away (a post without an A at all is not cover)."""
        return self.seat.a is not None and not self.a_present and self.b_present

    @property
    def uncovered(self) -> bool:
        return self.present is None
