"""Staff leaving their posts: rotation and swaps (EQ-3.2.3), forced returns (EQ-3.2.4).

A rotation moves one staff member to another post after at least two years on the current one.
A swap exchanges the posts of two staff members; it is asked for in writing at least a month
before it takes effect. The center approves both. The center may also return a staff member to
their unit, which then owes a replacement by a deadline.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from services.staffing.domain.posts import AB_RULE, Role
from services.staffing.domain.staff import StaffMember, check_eligible, years_between
from shared.errors import Conflict, RuleViolation, StateConflict

ROTATION_YEARS = 2  # EQ-3.2.3
SWAP_NOTICE_MONTHS = 1  # EQ-3.2.3
# A rotation needs a successor and the center's approval, so a year's grace passes before a
# post held too long counts as overdue rather than due.
OVERDUE_GRACE_YEARS = 1
REPLACEMENT_WORKDAYS = 10  # EQ-3.2.4 says "promptly"; the hall's default, configurable
RULE = "EQ-3.2.3"
RETURN_RULE = "EQ-3.2.4"


class Kind(StrEnum):
    ROTATION = "rotation"
    SWAP = "swap"


class Decision(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"
    # Approved, but by the effective date the staff no longer held the posts it would move.
    LAPSED = "lapsed"


@dataclass(frozen=True)
class Holding:
    """A current assignment: who holds which post in which role, since when."""

    assignment_id: int
    staff_id: str
    post_id: int
    role: str
    starts_on: date


@dataclass(frozen=True)
class Move:
    staff_id: str
    leaves: int  # the assignment that ends
    post_id: int
    role: str


@dataclass(frozen=True)
class Application:
    kind: Kind
    staff_id: str
    other_staff_id: str | None
    to_post_id: int | None
    to_role: str | None
    applied_on: date
    effective_on: date
    reason: str
    status: Decision = Decision.APPLIED
    decided_by: str | None = None


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_period(holding: Holding, on: date) -> None:
    """EQ-3.2.3: a rotation only after two years on the post."""
    held = years_between(holding.starts_on, on)
    if held < ROTATION_YEARS:
        raise RuleViolation(
            f"{holding.staff_id} holds the post since {holding.starts_on}: {held} year(s) by "
            f"{on}, and rotation comes after {ROTATION_YEARS} (EQ-3.2.3)",
            rule=RULE,
            field="effective_on",
        )


def _check_rotation(
    mine: Holding, to_post_id: int | None, to_role: str | None, effective_on: date
) -> None:
    if to_post_id is None:
        raise RuleViolation(
            "a rotation names the post to move to (EQ-3.2.3)", rule=RULE, field="to_post_id"
        )
    if to_post_id == mine.post_id:
        raise RuleViolation(
            "a rotation moves to another post (EQ-3.2.3)", rule=RULE, field="to_post_id"
        )
    if to_role is not None and to_role not in set(Role):
        raise RuleViolation(
            f"{to_role!r}: a post is held by an A and a B (EQ-3.2.5)", rule=AB_RULE, field="to_role"
        )
    check_period(mine, effective_on)


def _check_swap(
    mine: Holding, other: Holding | None, applied_on: date, effective_on: date, reason: str
) -> None:
    if other is None:
        raise RuleViolation(
            "a swap names the other staff member, who holds a post (EQ-3.2.3)",
            rule=RULE,
            field="other_staff_id",
        )
    if other.staff_id == mine.staff_id:
        raise RuleViolation(
            "a swap is between two people (EQ-3.2.3)", rule=RULE, field="other_staff_id"
        )
    if not reason.strip():
        raise RuleViolation(
            "a swap needs a written application (EQ-3.2.3)", rule=RULE, field="reason"
        )
    earliest = add_months(applied_on, SWAP_NOTICE_MONTHS)
    if effective_on < earliest:
        raise RuleViolation(
            f"a swap is applied for at least {SWAP_NOTICE_MONTHS} month ahead: applied on "
            f"{applied_on}, it takes effect on {earliest} at the earliest (EQ-3.2.3)",
            rule=RULE,
            field="effective_on",
        )


def apply(
    kind: Kind,
    mine: Holding,
    other: Holding | None,
    *,
    to_post_id: int | None,
    to_role: str | None,
    applied_on: date,
    effective_on: date,
    reason: str,
) -> Application:
    if kind is Kind.ROTATION:
        _check_rotation(mine, to_post_id, to_role, effective_on)
    else:
        _check_swap(mine, other, applied_on, effective_on, reason)
        to_post_id, to_role = None, None
    return Application(
        kind,
        mine.staff_id,
        other.staff_id if kind is Kind.SWAP and other else None,
        to_post_id,
        to_role,
        applied_on,
        effective_on,
        reason.strip(),
    )


def moves(app: Application, mine: Holding, other: Holding | None) -> list[Move]:
    """Who goes where once the center approves; a rotation keeps the role unless told."""
    if app.kind is Kind.ROTATION:
        assert app.to_post_id is not None
        return [Move(mine.staff_id, mine.assignment_id, app.to_post_id, app.to_role or mine.role)]
    if other is None:
        raise Conflict(
            f"{app.other_staff_id} no longer holds a post to swap (EQ-3.2.3)",
            rule=RULE,
            field="other_staff_id",
        )
    return [
        Move(mine.staff_id, mine.assignment_id, other.post_id, other.role),
        Move(other.staff_id, other.assignment_id, mine.post_id, mine.role),
    ]


def decide(app: Application, approved: bool, decided_by: str) -> Application:
    if app.status is not Decision.APPLIED:
        raise StateConflict(f"the application is {app.status} already")
    status = Decision.APPROVED if approved else Decision.REJECTED
    return replace(app, status=status, decided_by=decided_by)


def rotation_status(starts_on: date, today: date, years: int = ROTATION_YEARS) -> str | None:
    """`due` after `years` on the post, `overdue` a grace year later, else None."""
    held = years_between(starts_on, today)
    if held >= years + OVERDUE_GRACE_YEARS:
        return "overdue"
    return "due" if held >= years else None


def force_return(member: StaffMember, reason: str) -> StaffMember:
    """EQ-3.2.4: the center returns incompetent or violating staff, saying why."""
    if not reason.strip():
        raise RuleViolation(
            "the center says why it returns a staff member (EQ-3.2.4)",
            rule=RETURN_RULE,
            field="reason",
        )
    if member.status != "active":
        raise StateConflict(
            f"{member.name} is {member.status} already (EQ-3.2.4)",
            rule=RETURN_RULE,
            field="staff_id",
        )
    return replace(member, status="returned", version=member.version + 1)


def check_replacement(
    returned_staff_id: str, unit_code: str, candidate: StaffMember, on: date
) -> None:
    """EQ-3.2.4: the unit sends someone else of its own, eligible on the day."""
    if candidate.id == returned_staff_id:
        raise RuleViolation(
            "the replacement is someone other than the returned staff member (EQ-3.2.4)",
            rule=RETURN_RULE,
            field="staff_id",
        )
    if candidate.unit_code != unit_code:
        raise RuleViolation(
            f"the replacement comes from {unit_code}, the unit that owes it (EQ-3.2.4)",
            rule=RETURN_RULE,
            field="staff_id",
        )
    check_eligible(candidate, on)


def replacement_overdue(due_on: date, today: date, named: bool, escalated: bool) -> bool:
    """Escalated once, the first day after the deadline without a replacement."""
    return not named and not escalated and today > due_on
