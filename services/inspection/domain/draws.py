"""Proportional sampling of handled cases and random spot checks of windows, by verifiable draws
(TJ-7.4: "定期开展经办事项的比例抽检和随机抽查").

A draw is reproducible from what it records and nothing else:
- the **seed** is SHA-256 of the canonical JSON `[kind, plan_id, seed_source, seed_value]`: the
  source (e.g. a lottery result) is named when the plan is made, its value is published later;
- the **population** is recorded as canonical JSON, and its SHA-256 digest published;
- each member is ranked by HMAC-SHA256(seed, "<kind>:<id>") and the first k are taken, so the
  result depends on who is in the population, never on the order it was listed in;
- inspectors are ranked per window by HMAC-SHA256(seed, "inspector:<window>:<inspector>"),
  the recused ones skipped (their home unit or a declared conflict is among the window's units);
- the **draw digest** binds seed, parameters, population digest and selection: it is published
  when the draw is made, so a record changed afterwards no longer verifies.

Canonical JSON: UTF-8, keys sorted, no spaces (`json.dumps(v, ensure_ascii=False,
sort_keys=True, separators=(",", ":"))`). Anyone can re-run a draw in a few lines of Python.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from shared.errors import Invalid, RuleViolation, StateConflict

RULE = "TJ-7.4"


MIN_INSPECTORS = 2  # every spot check is made by at least two inspectors


# Windows open to the public: registry's published state. A suspended window serves no one
# (TJ-8.2) and the ended ones are gone, so spot checks draw among active windows only.
ELIGIBLE_WINDOW_STATES = ("active",)


RATE_PLACES = 4


class Kind(StrEnum):
    SAMPLING = "sampling"
    SPOT_CHECK = "spot_check"


KINDS_TEXT = [kind.value for kind in Kind]


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def seed_of(kind: Kind, plan_id: int, seed_source: str, seed_value: str) -> str:
    return digest([kind.value, plan_id, seed_source, seed_value])


def rank(seed: str, label: str) -> str:
    return hmac.new(bytes.fromhex(seed), label.encode(), hashlib.sha256).hexdigest()


def first_by_rank(seed: str, ids: Iterable[int], label: str, k: int) -> list[int]:
    """The k members ranked first; `label` is formatted with the id, e.g. "case:{}"."""
    ranked = sorted(ids, key=lambda member: (rank(seed, label.format(member)), member))
    return ranked[:k]


def parse_rate(value: Any, field: str = "rate") -> Decimal:
    """0 < rate ≤ 1, at most four decimal places; kept as a Decimal so 7% of 100 is 7, not 8."""
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Invalid("a rate is a decimal, e.g. 0.05 for 5%", rule=RULE, field=field) from None
    if not rate.is_finite() or not Decimal(0) < rate <= Decimal(1):
        raise Invalid("a rate is above 0 and at most 1, e.g. 0.05 for 5%", rule=RULE, field=field)
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        raise Invalid(f"a rate has at most {RATE_PLACES} decimal places", rule=RULE, field=field)
    return rate.normalize()


def rate_text(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def parameters(kind: Kind, plan: Mapping[str, Any]) -> dict[str, Any]:
    """What a draw records of its plan, as JSON: enough to re-run it."""
    rate = rate_text(plan["rate"]) if plan["rate"] is not None else None
    if kind is Kind.SAMPLING:
        return {
            "period_from": plan["period_from"].isoformat(),
            "period_to": plan["period_to"].isoformat(),
            "rate": rate,
            "minimum_per_window": plan["minimum_per_window"],
        }
    return {
        "days": plan["days"],
        "windows": plan["windows"],
        "rate": rate,
        "inspectors_per_window": plan["inspectors_per_window"],
    }


def sample_size(n: int, rate: Decimal, minimum: int) -> int:
    """k = max(minimum, ⌈rate × n⌉), and all of them when there are fewer."""
    return min(n, max(minimum, math.ceil(rate * n)))


def sampling_population(cases: Iterable[tuple[int, int]]) -> dict[str, Any]:
    """(window id, case id) pairs → {"windows": [{"window_id", "case_ids"}]}, sorted by id."""
    by_window: dict[int, set[int]] = {}
    for window_id, case_id in cases:
        by_window.setdefault(window_id, set()).add(case_id)
    return {
        "windows": [
            {"window_id": window_id, "case_ids": sorted(by_window[window_id])}
            for window_id in sorted(by_window)
        ]
    }


def sample(seed: str, population: dict[str, Any], parameters: dict[str, Any]) -> list[Any]:
    rate = parse_rate(parameters["rate"])
    minimum = int(parameters["minimum_per_window"])
    picked = []
    for window in sorted(population["windows"], key=lambda w: w["window_id"]):
        ids = window["case_ids"]
        k = sample_size(len(ids), rate, minimum)
        picked.append(
            {"window_id": window["window_id"], "case_ids": first_by_rank(seed, ids, "case:{}", k)}
        )
    return picked


@dataclass(frozen=True)
class Inspector:
    id: int
    home_unit: str | None
    conflicts: frozenset[str]

    def recused_from(self, window_units: Collection[str]) -> bool:
        """Nobody inspects their own unit's windows, nor a unit they declared a conflict with;
        a shared window counts every unit sharing it."""
        barred = {*self.conflicts, *([self.home_unit] if self.home_unit else [])}
        return bool(barred.intersection(window_units))


def is_over(days: Sequence[str], today: date) -> bool:
    """A spot check is over once its last day has passed: its draw may then be public."""
    return today > date.fromisoformat(max(days))


def windows_to_draw(n: int, windows: int | None, rate: Decimal | None) -> int:
    if windows is not None:
        return min(n, windows)
    assert rate is not None
    return min(n, max(1, math.ceil(rate * n)))


def spot_check(seed: str, population: dict[str, Any], parameters: dict[str, Any]) -> list[Any]:
    """The windows drawn, each with its inspectors; refused (TJ-7.4) when any drawn window has
    fewer eligible inspectors than the plan needs, so nothing half-drawn is ever recorded."""
    units = {w["window_id"]: w["units"] for w in population["windows"]}
    pool = [
        Inspector(i["inspector_id"], i["home_unit"], frozenset(i["conflicts"]))
        for i in population["inspectors"]
    ]
    rate = parameters.get("rate")
    k = windows_to_draw(
        len(units), parameters.get("windows"), parse_rate(rate) if rate is not None else None
    )
    # Even a record edited to ask for one inspector is re-run with two: it no longer verifies.
    needed = max(MIN_INSPECTORS, int(parameters["inspectors_per_window"]))
    drawn = first_by_rank(seed, units, "window:{}", k)
    return [
        {"window_id": w, "inspector_ids": inspectors_for(seed, w, units[w], pool, needed)}
        for w in drawn
    ]


def inspectors_for(
    seed: str, window_id: int, window_units: Collection[str], pool: Sequence[Inspector], m: int
) -> list[int]:
    eligible = [i.id for i in pool if not i.recused_from(window_units)]
    if len(eligible) < m:
        raise RuleViolation(
            f"window {window_id} needs {m} inspectors from outside its units "
            f"({', '.join(sorted(window_units))}); only {len(eligible)} are eligible (TJ-7.4, "
            "recusal): register or activate more inspectors, then draw",
            rule=RULE,
            field="inspectors",
        )
    return first_by_rank(seed, eligible, f"inspector:{window_id}:{{}}", m)


@dataclass(frozen=True)
class Draw:
    """What a draw records: with it alone the selection can be re-run and checked."""

    kind: Kind
    plan_id: int
    seed_source: str
    seed_value: str
    parameters: dict[str, Any]
    population: dict[str, Any]

    @property
    def seed(self) -> str:
        return seed_of(self.kind, self.plan_id, self.seed_source, self.seed_value)

    @property
    def population_digest(self) -> str:
        return digest(self.population)

    def select(self) -> list[Any]:
        run = sample if self.kind is Kind.SAMPLING else spot_check
        return run(self.seed, self.population, self.parameters)

    def digest_of(self, selection: list[Any]) -> str:
        return digest(
            {
                "kind": self.kind.value,
                "plan_id": self.plan_id,
                "seed": self.seed,
                "parameters": self.parameters,
                "population_digest": self.population_digest,
                "selection": selection,
            }
        )


def check_population(draw: Draw) -> None:
    if population_size(draw.kind, draw.population) == 0:
        what = (
            "no case completed in the period is known yet"
            if draw.kind is Kind.SAMPLING
            else "no window is open to the public"
        )
        raise StateConflict(f"{what}: there is nothing to draw from", rule=RULE, field="population")


@dataclass(frozen=True)
class Made:
    selection: list[Any]
    seed: str
    population_digest: str
    draw_digest: str
    population_size: int
    selection_size: int


def make(draw: Draw) -> Made:
    selection = draw.select()
    return Made(
        selection,
        draw.seed,
        draw.population_digest,
        draw.digest_of(selection),
        population_size(draw.kind, draw.population),
        selection_size(draw.kind, selection),
    )


def population_size(kind: Kind, population: dict[str, Any]) -> int:
    if kind is Kind.SAMPLING:
        return sum(len(w["case_ids"]) for w in population["windows"])
    return len(population["windows"])


def selection_size(kind: Kind, selection: list[Any]) -> int:
    if kind is Kind.SAMPLING:
        return sum(len(w["case_ids"]) for w in selection)
    return len(selection)


def only_cases(selection: list[Any], mine: Collection[int]) -> list[Any]:
    """A sampling selection cut down to one unit's cases."""
    return [
        {"window_id": w["window_id"], "case_ids": [c for c in w["case_ids"] if c in mine]}
        for w in selection
        if set(mine).intersection(w["case_ids"])
    ]


@dataclass(frozen=True)
class Verification:
    verified: bool
    selection: list[Any] | None
    seed_matches: bool
    population_matches: bool
    selection_matches: bool
    digest_matches: bool
    problem: str | None = None


def verify(
    draw: Draw,
    recorded_seed: str,
    recorded_population_digest: str,
    recorded_selection: list[Any],
    recorded_draw_digest: str,
) -> Verification:
    """Re-run the draw from its record. Any record changed after the draw (the seed value, a
    member of the population, a parameter, the selection) fails at least one check."""
    try:
        selection: list[Any] | None = draw.select()
        problem = None
    except (RuleViolation, Invalid, KeyError, ValueError, TypeError) as exc:
        selection, problem = None, str(exc)
    seed_ok = draw.seed == recorded_seed
    population_ok = draw.population_digest == recorded_population_digest
    selection_ok = selection is not None and selection == recorded_selection
    digest_ok = selection is not None and draw.digest_of(selection) == recorded_draw_digest
    return Verification(
        seed_ok and population_ok and selection_ok and digest_ok,
        selection,
        seed_ok,
        population_ok,
        selection_ok,
        digest_ok,
        problem,
    )
