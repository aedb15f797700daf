"""The case clock (EQ-4.4c): a promised limit in working days of the hall's calendar.

due = the (limit + extension + paused working days)-th working day after acceptance. Working
days only, everywhere: a pause over a weekend costs the applicant nothing and gains them
nothing, and an extension of N days moves the due date by exactly N working days.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol


class WorkingDays(Protocol):
    def is_workday(self, day: date) -> bool: ...
    def add_workdays(self, start: date, n: int) -> date: ...
    def workdays_between(self, start: date, end: date) -> int: ...


class OpenDays:
    """The working days of one hall: the statutory working days less the days an announced
    closure (or move) shuts it (EQ-4.5). A closed day stops a case's clock like a holiday, so a
    due date never falls on it (docs/registry.md, "Clock")."""

    def __init__(self, calendar: WorkingDays, closed: Collection[date]) -> None:
        self._calendar = calendar
        self._closed = frozenset(closed)

    def is_workday(self, day: date) -> bool:
        return day not in self._closed and self._calendar.is_workday(day)

    def add_workdays(self, start: date, n: int) -> date:
        if not self._closed:
            return self._calendar.add_workdays(start, n)
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        day = start
        while n > 0:
            day += timedelta(days=1)
            n -= self.is_workday(day)
        return day

    def workdays_between(self, start: date, end: date) -> int:
        counted = self._calendar.workdays_between(start, end)
        return counted - sum(
            1 for day in self._closed if start < day <= end and self._calendar.is_workday(day)
        )


@dataclass(frozen=True)
class Pause:
    """The applicant holds the case, from the day materials were asked for until the day they
    arrived (EQ-4.4b)."""

    started_on: date
    ended_on: date | None = None
    reason: str = ""

    def paused_workdays(self, calendar: WorkingDays, today: date) -> int:
        return calendar.workdays_between(self.started_on, self.ended_on or today)


def due_date(
    calendar: WorkingDays,
    accepted_on: date,
    limit_days: int,
    *,
    extension_days: int = 0,
    pauses: tuple[Pause, ...] = (),
    today: date | None = None,
) -> date:
    """The day the case must be completed by; an open pause is counted up to `today`."""
    today = today or accepted_on
    paused = sum(p.paused_workdays(calendar, today) for p in pauses)
    total = limit_days + extension_days + paused
    if total == 0:  # on the spot: today, or the next working day if accepted on a day off
        return (
            accepted_on
            if calendar.is_workday(accepted_on)
            else calendar.add_workdays(accepted_on, 1)
        )
    return calendar.add_workdays(accepted_on, total)


def workdays_left(calendar: WorkingDays, today: date, due_on: date) -> int:
    """Working days from today to the due date; negative once overdue."""
    if today <= due_on:
        return calendar.workdays_between(today, due_on)
    return -calendar.workdays_between(due_on, today)
