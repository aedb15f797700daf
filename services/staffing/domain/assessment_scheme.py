"""The scoring scheme: how facts become points, version 1's defaults and the checks a
published version passes (EQ-3.2.2a, docs/assessment.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.errors import Invalid


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
