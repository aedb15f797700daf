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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from itertools import groupby
from typing import Any, NamedTuple

from shared.errors import Invalid, RuleViolation, StateConflict

QUOTA_SHARE = Fraction(1, 5)  # EQ-3.2.2c
MIN_WINDOW_WEIGHT = Decimal("0.05")  # EQ-3.2.2b
APPEAL_DAYS = 30  # no rule sets it: the hall's default, configurable
# Nobody earns the full points for having nothing to show, nor loses them for a quiet post.
NEUTRAL = Fraction(3, 4)
CENT = Decimal("0.01")
Share = tuple[str | None, Fraction, str]  # what a line explains, its exact points, its note


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


def check_window_weight(weight: Decimal) -> Decimal:
    if not weight.is_finite() or not MIN_WINDOW_WEIGHT <= weight <= 1:
        raise RuleViolation(
            f"a window's result counts in its unit's annual target with a weight from "
            f"{MIN_WINDOW_WEIGHT} to 1, not {weight} (EQ-3.2.2b)",
            rule="EQ-3.2.2b",
            field="weight",
        )
    return weight


@dataclass(frozen=True)
class Scheme:
    """How facts become points. Version 1 is these defaults:

    base 60 for everyone; timeliness 20 × the share of handled case steps that were on time
    (15 when none were handled); satisfaction 15 × (mean evaluation − 1) / 4 on a 1..5 scale
    (11.25 when nobody evaluated); training 0.25 per hour up to 5, the cap pro rata to the share
    of the year served; per upheld complaint −4; per finding −1 minor, −3 major, −6 serious; per
    sanction on a window −5 (windows only); per day absent without approval −2, late −0.5; per
    accountability case concluded with a fault (TJ-8.3) −8.
    Excellent from 90, competent from 75, basically competent from 60, incompetent below.
    """

    version: int = 1
    base: Decimal = Decimal("60")
    timeliness: Decimal = Decimal("20")
    satisfaction: Decimal = Decimal("15")
    training_per_hour: Decimal = Decimal("0.25")
    training_cap: Decimal = Decimal("5")
    complaint_upheld: Decimal = Decimal("-4")
    finding_minor: Decimal = Decimal("-1")
    finding_major: Decimal = Decimal("-3")
    finding_serious: Decimal = Decimal("-6")
    sanction: Decimal = Decimal("-5")
    absent_unapproved: Decimal = Decimal("-2")
    late: Decimal = Decimal("-0.5")
    accountability: Decimal = Decimal("-8")
    excellent_from: Decimal = Decimal("90")
    competent_from: Decimal = Decimal("75")
    basic_from: Decimal = Decimal("60")


REWARDS = ("base", "timeliness", "satisfaction", "training_per_hour", "training_cap")
PENALTIES = (
    *("complaint_upheld", "finding_minor", "finding_major", "finding_serious"),
    *("sanction", "absent_unapproved", "late", "accountability"),
)
VALUES = (*REWARDS, *PENALTIES, "excellent_from", "competent_from", "basic_from")


def _scheme_problems(s: Scheme) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for name in REWARDS:
        if getattr(s, name) < 0:
            problems.setdefault(name, []).append("a reward is 0 or more")
    for name in PENALTIES:
        if getattr(s, name) > 0:
            problems.setdefault(name, []).append("a penalty is 0 or less")
    for name, ok in (
        ("excellent_from", s.competent_from < s.excellent_from <= 100),
        ("competent_from", s.basic_from < s.competent_from),
        ("basic_from", s.basic_from >= 0),
    ):
        if not ok:
            problems.setdefault(name, []).append("thresholds decrease strictly within 0..100")
    if s.base + s.timeliness + s.satisfaction + s.training_cap > 100:
        problems.setdefault("base", []).append(
            "base + timeliness + satisfaction + training_cap is at most 100"
        )
    return problems


def scheme_from(version: int, values: Mapping[str, Any]) -> Scheme:
    """A published scheme: the values it names over version 1's, all checked at once."""
    problems: dict[str, list[str]] = {}
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problems["version"] = ["a scheme's version is a whole number from 1"]
    parsed: dict[str, Any] = {}
    for key, raw in values.items():
        try:  # str() so that 0.1 is 0.1, not the float nearest it
            number = Decimal(str(raw)) if isinstance(raw, int | float | str | Decimal) else None
        except InvalidOperation:
            number = None
        if key not in VALUES:
            problems[key] = ["not a value of the scoring scheme"]
        elif number is None or not number.is_finite() or isinstance(raw, bool):
            problems[key] = ["a decimal number"]
        else:
            parsed[key] = number
    for key, why in _scheme_problems(replace(Scheme(version=version), **parsed)).items():
        problems.setdefault(key, why)
    if problems:
        said = "; ".join(f"{key}: {', '.join(why)}" for key, why in problems.items())
        raise Invalid(f"the scoring scheme is refused: {said}", errors=problems)
    return replace(Scheme(version=version), **parsed)


def scheme_values(s: Scheme) -> dict[str, str]:
    """The values for storage, version apart: `scheme_from(s.version, scheme_values(s)) == s`."""
    return {f.name: str(getattr(s, f.name)) for f in fields(s) if f.name != "version"}


@dataclass(frozen=True)
class Input:
    """One fact of the year; `value` per kind: case_step 1 on time / 0 late, evaluation the score
    1..5, training hours, any other kind a count (1 per complaint, finding, sanction or day).
    A finding's severity (minor, major, serious) is its `detail`."""

    source: str
    kind: InputKind
    on: date
    value: Decimal
    detail: str = ""


@dataclass(frozen=True)
class Line:
    component: str
    points: Decimal
    source: str | None
    note: str


@dataclass(frozen=True)
class Score:
    total: Decimal
    lines: tuple[Line, ...]

    def components(self) -> dict[str, Decimal]:
        sums: dict[str, Decimal] = {}
        for line in self.lines:
            sums[line.component] = sums.get(line.component, Decimal("0.00")) + line.points
        return sums


@dataclass(frozen=True)
class Tally:
    """Case steps and evaluations counted together, to score a whole hall without a line per
    step; they give the same points as the same facts listed one by one."""

    steps: int = 0
    on_time: int = 0
    evaluations: int = 0
    evaluation_sum: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        n = self.evaluations
        if not (0 <= self.on_time <= self.steps and n <= self.evaluation_sum <= 5 * n):
            raise Invalid(f"{self} cannot be counted", field="inputs")

    def with_evaluation(self, score: Decimal | int | str) -> Tally:
        value = Decimal(score)
        if not value.is_finite() or not 1 <= value <= 5:
            raise Invalid(f"an evaluation scores 1..5, not {score}", field="inputs")
        total = self.evaluation_sum + value
        return replace(self, evaluations=self.evaluations + 1, evaluation_sum=total)


# What a fact's value may be; every other kind counts occurrences or hours, so more than 0.
VALID: dict[InputKind, Callable[[Decimal], bool]] = {
    InputKind.CASE_STEP: lambda value: value in (0, 1),
    InputKind.EVALUATION: lambda value: 1 <= value <= 5,
}


def _check_input(fact: Input) -> None:
    value = fact.value
    if not value.is_finite() or not VALID.get(fact.kind, lambda v: v > 0)(value):
        raise Invalid(f"{fact.source}: {value} is not a value of a {fact.kind}", field="inputs")
    if fact.kind is InputKind.FINDING and fact.detail not in ("minor", "major", "serious"):
        raise Invalid(f"{fact.source}: a finding is minor, major or serious", field="inputs")


def _facts(inputs: Sequence[Input], allowed: tuple[InputKind, ...], whose: str) -> list[Input]:
    for fact in inputs:
        if fact.kind not in allowed:
            raise Invalid(
                f"{fact.source}: a {fact.kind} does not count for {whose}", field="inputs"
            )
        _check_input(fact)
    # In date order, whatever order they came in: the same facts give the same lines.
    return sorted(inputs, key=lambda fact: (fact.on, fact.source, fact.kind))


def _cents(x: Fraction) -> int:
    """Half away from zero, as ROUND_HALF_UP does."""
    whole = math.floor(abs(x) * 100 + Fraction(1, 2))
    return whole if x >= 0 else -whole


def _round(x: Decimal | Fraction) -> Decimal:
    """To the cent, exactly: no float and no Decimal context in between."""
    return Decimal(_cents(Fraction(x))).scaleb(-2)


def _spread(component: str, shares: Sequence[Share]) -> list[Line]:
    """Lines worth `shares` in whole cents, adding up to their rounded sum exactly.

    Each line is its share rounded down to the cent, and the cents left over go to the largest
    remainders (the earlier line among equals), so no line is a cent or more off its share
    however many lines there are; giving the whole remainder to the last line would not.
    """
    total = _cents(sum((share for _, share, _ in shares), Fraction(0)))
    cents = [math.floor(share * 100) for _, share, _ in shares]
    left_over = sorted(range(len(shares)), key=lambda i: cents[i] - shares[i][1] * 100)
    for i in left_over[: total - sum(cents)]:
        cents[i] += 1
    return [
        Line(component, Decimal(c).scaleb(-2), source, note)
        for (source, _, note), c in zip(shares, cents, strict=True)
    ]


def _timeliness(scheme: Scheme, steps: Sequence[Input], tally: Tally) -> list[Line]:
    n = len(steps) + tally.steps
    if not n:
        neutral = _round(Fraction(scheme.timeliness) * NEUTRAL)
        return [Line("timeliness", neutral, None, "no case steps handled: three quarters")]
    # A line for every listed step, late ones at 0: the late steps are what the reader looks for.
    each = Fraction(scheme.timeliness) / n
    shares: list[Share] = [
        (s.source, each * Fraction(s.value), f"{'on time' if s.value else 'late'}, 1 of {n}")
        for s in steps
    ]
    if tally.steps:
        note = f"{tally.on_time} of {tally.steps} steps on time, counted together"
        shares.append((None, each * tally.on_time, note))
    return _spread("timeliness", shares)


def _evaluations(
    scheme: Scheme, evaluations: Sequence[Input], neutral_at: int, tally: Tally
) -> list[Line]:
    """`satisfaction` × (mean − neutral_at) / 4, a line per evaluation."""
    n = len(evaluations) + tally.evaluations
    per = Fraction(scheme.satisfaction) / (4 * n) if n else Fraction(0)
    shares: list[Share] = [
        (e.source, per * (Fraction(e.value) - neutral_at), f"scored {e.value} of 5, 1 of {n}")
        for e in evaluations
    ]
    if tally.evaluations:
        off = Fraction(tally.evaluation_sum) - neutral_at * tally.evaluations
        shares.append((None, per * off, f"{tally.evaluations} evaluations, counted together"))
    return _spread("satisfaction", shares)


def _training(scheme: Scheme, sessions: Sequence[Input], served: Fraction) -> list[Line]:
    per = Fraction(scheme.training_per_hour)
    lines = _spread(
        "training", [(t.source, per * Fraction(t.value), f"{t.value} h") for t in sessions]
    )
    earned = sum((line.points for line in lines), Decimal(0))
    cap = _round(Fraction(scheme.training_cap) * served)
    if earned > cap:  # a correction line, so the lines above still show every hour
        lines.append(
            Line("training", cap - earned, None, f"capped at {cap} for {served} of the year")
        )
    return lines


def _penalty(scheme: Scheme, fact: Input) -> Line:
    name = f"finding_{fact.detail}" if fact.kind is InputKind.FINDING else str(fact.kind)
    points = _round(Fraction(getattr(scheme, name)) * Fraction(fact.value))
    note = f"{fact.kind} {fact.detail}".strip() + f" × {fact.value}"
    return Line(str(fact.kind), points, fact.source, note)


def _clamped(lines: list[Line]) -> Score:
    total = sum((line.points for line in lines), Decimal(0))
    bounded = min(max(total, Decimal(0)), Decimal(100))
    if bounded != total:
        lines.append(
            Line("clamp", bounded - total, None, f"a score stays within 0..100, not {total}")
        )
    return Score(bounded.quantize(CENT), tuple(lines))


STAFF_PENALTIES = (
    *(InputKind.COMPLAINT_UPHELD, InputKind.FINDING),
    *(InputKind.ABSENT_UNAPPROVED, InputKind.LATE, InputKind.ACCOUNTABILITY),
)
STAFF_KINDS = (InputKind.CASE_STEP, InputKind.EVALUATION, InputKind.TRAINING, *STAFF_PENALTIES)
WINDOW_PENALTIES = (InputKind.SANCTION, InputKind.FINDING, InputKind.COMPLAINT_UPHELD)


def _check_served(shares: Iterable[Fraction]) -> None:
    if any(not 0 < served <= 1 for served in shares):
        raise Invalid("the share of the year served is above 0 and at most 1", field="served")


def score_staff(
    scheme: Scheme, inputs: Sequence[Input], served: Fraction, tally: Tally | None = None
) -> Score:
    """A staff member's score and the lines that explain it (`served` caps the training).

    `tally` adds case steps and evaluations counted together, a line each, to those listed."""
    _check_served([served])
    tally = tally or Tally()
    facts = _facts(inputs, STAFF_KINDS, "a staff member")
    of = {kind: [f for f in facts if f.kind is kind] for kind in InputKind}
    lines = [Line("base", _round(scheme.base), None, "every assessed staff member starts here")]
    lines += _timeliness(scheme, of[InputKind.CASE_STEP], tally)
    lines += _evaluations(scheme, of[InputKind.EVALUATION], 1, tally)
    if not of[InputKind.EVALUATION] and not tally.evaluations:
        neutral = _round(Fraction(scheme.satisfaction) * NEUTRAL)
        lines.append(Line("satisfaction", neutral, None, "nobody evaluated: three quarters"))
    lines += _training(scheme, of[InputKind.TRAINING], served)
    lines += [_penalty(scheme, f) for f in facts if f.kind in STAFF_PENALTIES]
    return _clamped(lines)


class Stint(NamedTuple):
    """A staff member's part in a window's score: their total, the share of the year they
    served there, and whose it is (`staff:<id>`), named by the explanation's line."""

    total: Decimal
    served: Fraction
    source: str | None = None


def score_window(
    scheme: Scheme,
    staff_totals: Sequence[Stint | tuple[Decimal, Fraction]],
    window_inputs: Sequence[Input],
) -> Score:
    """A window's score: its staff's average weighted by the share of the year each served (a
    line per staff member, adding up to the average), then the window's own sanctions, findings
    and upheld complaints, and its own evaluations measured from the neutral mean of 4: a mean
    of 5 adds a quarter of the scheme's satisfaction, a mean of 1 takes three quarters. A window
    with no staff starts at the competent threshold."""
    stints = [Stint(*stint) for stint in staff_totals]
    _check_served([stint.served for stint in stints])
    if stints:
        weights = sum((stint.served for stint in stints), Fraction(0))
        n = len(stints)
        shares: list[Share] = [
            (
                stint.source,
                Fraction(stint.total) * stint.served / weights,
                f"scored {stint.total}, served {stint.served} of the year: a weighted part of "
                f"the average of {n}",
            )
            for stint in stints
        ]
        lines = _spread("staff_average", shares)
    else:
        note = "no staff served the window: the competent threshold"
        lines = [Line("base", _round(scheme.competent_from), None, note)]
    allowed = (*WINDOW_PENALTIES, InputKind.EVALUATION)
    facts = _facts(window_inputs, allowed, "a window")
    evaluations = [f for f in facts if f.kind is InputKind.EVALUATION]
    lines += _evaluations(scheme, evaluations, 4, Tally())
    lines += [_penalty(scheme, f) for f in facts if f.kind in WINDOW_PENALTIES]
    return _clamped(lines)


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
class QuotaView:
    assessed: int
    quota: int
    excellent: int
    over_by: int


def quota_view(grades: Iterable[Grade], exception: bool = False) -> QuotaView:
    listed = list(grades)
    allowed, excellent = quota(len(listed), exception), listed.count(Grade.EXCELLENT)
    return QuotaView(len(listed), allowed, excellent, max(0, excellent - allowed))


def _over_quota(view: QuotaView) -> RuleViolation:
    return RuleViolation(
        f"at most {view.quota} of {view.assessed} assessed staff may be excellent (20%), and "
        f"{view.excellent} would be (EQ-3.2.2c)",
        rule="EQ-3.2.2c",
        field="grades",
    )


def check_finalise(grades: Sequence[Grade], exception: bool = False) -> None:
    view = quota_view(grades, exception)
    if view.over_by:
        raise _over_quota(view)


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
            raise _over_quota(view)
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


@dataclass(frozen=True)
class Contribution:
    unit_code: str
    windows: int
    window_average: Decimal
    weight: Decimal
    points: Decimal


def contribution(unit_code: str, window_totals: Sequence[Decimal], weight: Decimal) -> Contribution:
    """What a unit's windows add to its annual target assessment (EQ-3.2.2b)."""
    check_window_weight(weight)
    if not window_totals:
        return Contribution(unit_code, 0, Decimal("0.00"), weight, Decimal("0.00"))
    mean = _round(sum((Fraction(t) for t in window_totals), Fraction(0)) / len(window_totals))
    return Contribution(unit_code, len(window_totals), mean, weight, _round(mean * weight))


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
