"""The 20% quota of excellent grades (EQ-3.2.2c) and the small cycle's exception
(LR-SMALL-QUOTA): what a cycle allows, how far over it stands, what finalising refuses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from services.staffing.domain.assessment import CycleState, Grade
from shared.errors import Invalid, RuleViolation, StateConflict

QUOTA_SHARE = Fraction(1, 5)  # EQ-3.2.2c


def quota(assessed: int, exception: bool = False) -> int:
    """EQ-3.2.2c: floor(20% of the assessed), in integers so that no float rounds 5 × 0.2 down.

    "At most 20%" is a ceiling: with fewer than 5 assessed it allows nobody (1 of 4 is 25%).
    The authority may grant a small cycle an exception (`exception`): one excellent place where
    the floor gives none, and never more (LR-SMALL-QUOTA, docs/assessment.md)."""
    if assessed < 0:
        raise Invalid("the number of assessed staff is not negative", field="assessed")
    floor = assessed * QUOTA_SHARE.numerator // QUOTA_SHARE.denominator
    return 1 if exception and floor == 0 and assessed > 0 else floor


SMALL_QUOTA_RULE = "LR-SMALL-QUOTA"


def grant_small_quota(state: CycleState, assessed: int, reason: str) -> str:
    """LR-SMALL-QUOTA: the authority's written exception for a cycle whose 20% floors to
    nobody; never after the grades are final, and only where the floor gives none."""
    if state is CycleState.FINALISED:
        raise StateConflict("the cycle is finalised; its quota no longer changes")
    if quota(assessed) > 0:
        raise RuleViolation(
            f"{assessed} assessed have {quota(assessed)} excellent place(s) by the 20% rule; an "
            "exception is for a cycle of fewer than 5 (LR-SMALL-QUOTA)",
            rule=SMALL_QUOTA_RULE,
            field="reason",
        )
    if not reason.strip():
        raise Invalid("an exception to the quota says why, in writing", field="reason")
    return reason.strip()


@dataclass(frozen=True)
class QuotaView:
    assessed: int
    quota: int
    excellent: int
    over_by: int


def quota_view(grades: Iterable[Grade], exception: bool = False) -> QuotaView:
    listed = list(grades)
    allowed, excellent = quota(len(listed), exception), listed.count(Grade.EXCELLENT)
    return QuotaView(len(listed), allowed, excellent, max(0, excellent - allowed))


def over_quota(view: QuotaView) -> RuleViolation:
    return RuleViolation(
        f"at most {view.quota} of {view.assessed} assessed staff may be excellent (20%), and "
        f"{view.excellent} would be (EQ-3.2.2c)",
        rule="EQ-3.2.2c",
        field="grades",
    )


def check_finalise(grades: Sequence[Grade], exception: bool = False) -> None:
    view = quota_view(grades, exception)
    if view.over_by:
        raise over_quota(view)
