"""Satisfaction evaluations (TJ-7.5), as the national 好差评 scheme runs them.

The public rates a case on five levels, once, with the receipt number and query code; the unit
rates its own windows. The two lowest levels are bad reviews: each opens a rectification task for
the case's unit, due in working days, that cannot be reported or closed before the unit has
called the applicant back. The unit may appeal a bad review it shows to be wrong or malicious;
the center decides, and an upheld appeal voids the review. Each month the windows are ranked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Protocol

from services.inspection.domain.deadlines import configured_workdays
from shared.errors import Invalid, RuleViolation, StateConflict, member_of

RULE = "TJ-7.5"
RECTIFICATION_WORKDAYS = 5  # the default; BAD_REVIEW_RECTIFICATION_DAYS overrides it
MAX_RECTIFICATION_WORKDAYS = 60
# A callback time a few minutes ahead of our clock is the caller's clock, not the future.
CLOCK_SKEW = timedelta(minutes=5)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{9,11})$")  # a mobile, or an area code and a landline


class WorkingDays(Protocol):
    def add_workdays(self, start: date, n: int) -> date: ...


class Level(StrEnum):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def score(self) -> int:
        """5 very satisfied … 1 very dissatisfied."""
        return 5 - list(Level).index(self)

    @property
    def bad(self) -> bool:
        """The two lowest levels are bad reviews (差评)."""
        return self.score <= 2


class Source(StrEnum):
    PUBLIC = "public"
    UNIT = "unit"


# A case is done once delivered or refused: its handling can then be rated (GB/T 39735).
DONE_STAGES = frozenset({"delivered", "refused"})


def opens_task(level: Level, case_stage: str) -> bool:
    """A bad review opens a rectification task once the service it rates is done: GB/T 39735
    places the evaluation of a case after it ends (办件结束后). A bad review of a case still in
    progress is kept and counts as any evaluation, but founds no task (docs/inspection.md)."""
    return level.bad and case_stage in DONE_STAGES


def level_of(name: str) -> Level:
    """One of the five levels of 好差评 (TJ-7.5)."""
    detail = f"the level is one of the five: {', '.join(Level)} (TJ-7.5)"
    return member_of(Level, name, field="level", detail=detail, rule=RULE)


# -- the public's contact for the callback -------------------------------------------------------
@dataclass(frozen=True)
class Contact:
    name: str
    phone: str


def normal_phone(phone: str) -> str:
    return re.sub(r"[\s()-]", "", phone)


def contact_for(level: Level, name: str | None, phone: str | None) -> Contact | None:
    """A bad review names the applicant and a phone to call back (TJ-7.5); a good one may."""
    name, phone = (name or "").strip(), normal_phone(phone or "")
    errors: dict[str, list[str]] = {}
    if level.bad and not name:
        errors["applicant_name"] = ["a bad review names the applicant, who is called back"]
    if level.bad and not phone:
        errors["applicant_phone"] = ["a bad review gives a phone number to call back"]
    if errors:
        raise RuleViolation(
            "a bad review is called back: give the applicant's name and phone (TJ-7.5)",
            rule=RULE,
            errors=errors,
        )
    if phone and not _PHONE.match(phone):
        raise Invalid(
            "a mobile number (13812345678) or a landline with its area code (02212345678)",
            rule=RULE,
            field="applicant_phone",
        )
    if bool(name) != bool(phone):
        missing = "applicant_phone" if name else "applicant_name"
        raise Invalid("give the name and the phone together, or neither", rule=RULE, field=missing)
    return Contact(name, phone) if name else None


def mask_name(name: str) -> str:
    """张三丰 → 张**: enough to recognise, too little to identify."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    return phone[:3] + "*" * max(len(phone) - 7, 1) + phone[-4:]


def sees_contact(role: str, unit: str | None, evaluation_unit: str) -> bool:
    """Only those who handle the rectification see the applicant's name and phone in full: the
    evaluated unit and the center."""
    return role == "center" or (role == "unit" and unit == evaluation_unit)


# -- rectification of a bad review ---------------------------------------------------------------
def rectification_days(configured: str | None) -> int:
    """The hall's deadline in working days, or the default when it is not set."""
    return configured_workdays(
        "BAD_REVIEW_RECTIFICATION_DAYS",
        configured,
        RECTIFICATION_WORKDAYS,
        MAX_RECTIFICATION_WORKDAYS,
    )


def rectification_due(calendar: WorkingDays, submitted_on: date, days: int) -> date:
    """The n-th working day after the day the review came in (that day does not count)."""
    return calendar.add_workdays(submitted_on, days)


class TaskStatus(StrEnum):
    OPEN = "open"  # the unit calls back and rectifies
    REPORTED = "reported"  # the unit reported; the center reviews
    CLOSED = "closed"  # the center accepted the rectification
    WITHDRAWN = "withdrawn"  # the review was voided on appeal


@dataclass(frozen=True)
class Callback:
    called_at: datetime
    by: str
    outcome: str


@dataclass(frozen=True)
class Rectification:
    status: TaskStatus
    due_on: date
    opened_at: datetime
    callback: Callback | None = None
    summary: str = ""
    note: str = ""


def record_callback(
    task: Rectification, called_at: datetime, by: str, outcome: str, now: datetime
) -> Rectification:
    if task.status is not TaskStatus.OPEN:
        raise StateConflict(
            f"the task is {task.status}: the callback comes first", rule=RULE, field="called_at"
        )
    if task.callback is not None:
        raise StateConflict("the callback is recorded already", rule=RULE, field="called_at")
    if called_at > now + CLOCK_SKEW:
        raise Invalid("a callback is recorded once it has been made", rule=RULE, field="called_at")
    if called_at < task.opened_at:
        raise Invalid("the callback follows the bad review", rule=RULE, field="called_at")
    if not by.strip():
        raise Invalid("name who called the applicant", rule=RULE, field="by")
    if not outcome.strip():
        raise Invalid(
            "say what the applicant said, or that nobody answered", rule=RULE, field="outcome"
        )
    return replace(task, callback=Callback(called_at, by.strip(), outcome.strip()))


def _check_called_back(task: Rectification) -> None:
    if task.callback is None:
        raise RuleViolation(
            "call the applicant back and record it before the task is reported or closed (TJ-7.5)",
            rule=RULE,
            field="callback",
        )


def report(task: Rectification, summary: str) -> Rectification:
    if task.status is not TaskStatus.OPEN:
        raise StateConflict(f"the task is {task.status}, not open", rule=RULE, field="summary")
    _check_called_back(task)
    if not summary.strip():
        raise Invalid("say what was rectified", rule=RULE, field="summary")
    return replace(task, status=TaskStatus.REPORTED, summary=summary.strip())


def review(task: Rectification, accepted: bool, note: str) -> Rectification:
    """The center closes the task, or reopens it with the reason."""
    if task.status is not TaskStatus.REPORTED:
        raise StateConflict(
            f"the task is {task.status}: only a report is reviewed", rule=RULE, field="accepted"
        )
    _check_called_back(task)
    if not accepted and not note.strip():
        raise Invalid("say why the rectification is not enough", rule=RULE, field="note")
    status = TaskStatus.CLOSED if accepted else TaskStatus.OPEN
    return replace(task, status=status, note=note.strip())


def withdraw(task: Rectification) -> Rectification | None:
    """The review was voided on appeal: the task ends, unless the center had closed it."""
    if task.status in (TaskStatus.CLOSED, TaskStatus.WITHDRAWN):
        return None
    return replace(task, status=TaskStatus.WITHDRAWN)


def overdue(status: TaskStatus, due_on: date, today: date, flagged: bool) -> bool:
    """Raised once, the first day after the deadline, while the unit still owes its report."""
    return status is TaskStatus.OPEN and today > due_on and not flagged


# -- appeals -------------------------------------------------------------------------------------
class Grounds(StrEnum):
    WRONG = "wrong"  # the facts do not bear the review out
    MALICIOUS = "malicious"  # e.g. a review to harass, or unrelated to the service


class AppealStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


def grounds_of(name: str) -> Grounds:
    """A unit appeals a review it shows to be wrong or malicious, and on no other grounds."""
    detail = f"an appeal shows the review is {' or '.join(Grounds)} (TJ-7.5)"
    return member_of(Grounds, name, field="grounds", detail=detail, rule=RULE)


def check_appealable(level: Level, source: Source, voided: bool) -> None:
    if source is not Source.PUBLIC or not level.bad:
        raise RuleViolation(
            "only the public's bad reviews can be appealed (TJ-7.5)", rule=RULE, field="level"
        )
    if voided:
        raise StateConflict("the review was voided already", rule=RULE, field="level")


def check_appeal(reason: str) -> str:
    if not reason.strip():
        raise Invalid("show why the review is wrong or malicious", rule=RULE, field="reason")
    return reason.strip()


def decide_appeal(status: AppealStatus, upheld: bool, note: str) -> AppealStatus:
    if status is not AppealStatus.PENDING:
        raise StateConflict(f"the appeal was {status} already", rule=RULE, field="upheld")
    if not note.strip():
        raise Invalid("give the reasons for the decision", rule=RULE, field="note")
    return AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED


# -- months --------------------------------------------------------------------------------------
def month_span(month: str, field: str = "month") -> tuple[date, date]:
    """`2026-11` → (1 November, 1 December): the month's first day and the day after it."""
    match = _MONTH.match(month)
    if not match:
        raise Invalid("a month is written YYYY-MM, e.g. 2026-11", rule=RULE, field=field)
    year, number = int(match[1]), int(match[2])
    first = date(year, number, 1)
    return first, date(year + number // 12, number % 12 + 1, 1)


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def previous_month(today: date) -> str:
    return month_of(today.replace(day=1) - timedelta(days=1))


def check_period(month: str, today: date) -> str:
    """The unit evaluates a month that has begun."""
    first, _ = month_span(month, "period")
    if first > today:
        raise Invalid(f"{month} has not begun", rule=RULE, field="period")
    return month


def check_month_over(month: str, today: date) -> str:
    """A ranking is of a whole month: published once it is over, never revised."""
    _, after = month_span(month)
    if after > today:
        raise Invalid(f"{month} is not over yet", rule=RULE, field="month")
    return month


# -- the monthly ranking -------------------------------------------------------------------------
@dataclass(frozen=True)
class WindowMonth:
    """A window's month: the public's evaluations not voided, and complaints upheld."""

    window_id: int
    evaluations: int = 0
    score_sum: int = 0
    bad_reviews: int = 0
    upheld_complaints: int = 0

    @property
    def mean(self) -> Fraction | None:
        return Fraction(self.score_sum, self.evaluations) if self.evaluations else None


@dataclass(frozen=True)
class Placed:
    window: WindowMonth
    rank: int  # shared by windows tied on every criterion
    position: int  # 1..n, the order of the list


def mean_shown(mean: Fraction | None) -> Decimal | None:
    if mean is None:
        return None
    exact = Decimal(mean.numerator) / Decimal(mean.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def standing(w: WindowMonth) -> tuple[bool, Fraction, int, int, int]:
    """What a window is ranked by, best first: having been evaluated at all, the exact mean
    score (higher), bad reviews (fewer), upheld complaints (fewer), evaluations (more)."""
    mean = w.mean if w.mean is not None else Fraction(0)
    return (w.evaluations == 0, -mean, w.bad_reviews, w.upheld_complaints, -w.evaluations)


def rank(windows: list[WindowMonth]) -> list[Placed]:
    """Standard competition ranking (1, 2, 2, 4): windows equal on every criterion share a rank
    and are listed by window id."""
    ordered = sorted(windows, key=lambda w: (standing(w), w.window_id))
    placed: list[Placed] = []
    for position, window in enumerate(ordered, start=1):
        tied = placed and standing(placed[-1].window) == standing(window)
        placed.append(Placed(window, placed[-1].rank if tied else position, position))
    return placed
