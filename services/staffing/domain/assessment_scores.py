"""Scores that explain themselves (EQ-3.2.2a, EQ-3.2.2b): a staff member's and a window's
score from the year's facts, a line per point in whole cents adding up to the total exactly,
and what a unit's windows add to its annual target."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from services.staffing.domain.assessment import InputKind, check_window_weight
from services.staffing.domain.assessment_scheme import Scheme
from shared.errors import Invalid

# Nobody earns the full points for having nothing to show, nor loses them for a quiet post.
NEUTRAL = Fraction(3, 4)
CENT = Decimal("0.01")
Share = tuple[str | None, Fraction, str]  # what a line explains, its exact points, its note


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
