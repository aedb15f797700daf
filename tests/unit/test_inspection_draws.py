"""Verifiable draws for proportional sampling and random spot checks (TJ-7.4): reproducible
from the record alone, bound to every input, and never breaking recusal."""

from __future__ import annotations

import ast
import hashlib
import hmac
import inspect
import json
import math
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.inspection.domain import draw_plans as plan_rules
from services.inspection.domain import draws as rules
from services.inspection.domain import spot_check_population as population_rules
from services.inspection.domain.draws import Draw, Inspector, Kind
from shared.errors import Conflict, Invalid, RuleViolation

# The rules' modules, each checked for refusals that name their field and rule.
DOMAIN_MODULES = (rules, plan_rules, population_rules)

SOURCE = "福利彩票3D 第2026330期开奖号码"
SAMPLING: dict[str, Any] = {"period_from": "2026-10-01", "period_to": "2026-10-31", "rate": "0.1"}
SAMPLING["minimum_per_window"] = 1
TODAY = date(2026, 11, 30)

case_ids = st.lists(st.integers(1, 10**6), min_size=40, max_size=120, unique=True)


def population(*windows: list[int]) -> dict[str, Any]:
    return rules.sampling_population((w, c) for w, cases in enumerate(windows, 1) for c in cases)


def sampling(pop: dict[str, Any], value: str = "3 8 1", **parameters: Any) -> Draw:
    return Draw(Kind.SAMPLING, 7, SOURCE, value, {**SAMPLING, **parameters}, pop)


def picked(selection: list[Any]) -> list[int]:
    return [case for window in selection for case in window["case_ids"]]


# ---- anyone can re-run a draw ------------------------------------------------------------


def test_the_seed_and_ranking_are_plain_sha256_and_hmac_anyone_can_recompute() -> None:
    """The whole algorithm, re-implemented with the standard library only (domain docstring)."""
    pop = population([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22])
    made = rules.make(sampling(pop))
    canonical = json.dumps(
        ["sampling", 7, SOURCE, "3 8 1"], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    seed = hashlib.sha256(canonical.encode()).hexdigest()
    assert made.seed == seed

    def key(case: int) -> tuple[str, int]:
        label = f"case:{case}".encode()
        return hmac.new(bytes.fromhex(seed), label, hashlib.sha256).hexdigest(), case

    k = max(1, math.ceil(Decimal("0.1") * 12))
    assert made.selection == [{"window_id": 1, "case_ids": sorted(range(11, 23), key=key)[:k]}]
    assert (
        made.population_digest
        == hashlib.sha256(
            json.dumps(pop, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
    )


@given(case_ids, st.randoms())
def test_the_same_inputs_give_the_same_selection_whatever_the_listing_order(
    cases: list[int], rng: Any
) -> None:
    shuffled = list(cases)
    rng.shuffle(shuffled)
    assert population(cases) == population(shuffled)
    assert sampling(population(cases)).select() == sampling(population(shuffled)).select()


@given(case_ids, st.text(min_size=1, max_size=12), st.text(min_size=1, max_size=12))
def test_another_seed_value_draws_other_cases(cases: list[int], one: str, other: str) -> None:
    assume(one != other)
    pop = population(cases)
    first = sampling(pop, one, rate="0.5")
    assert first.seed != sampling(pop, other, rate="0.5").seed
    # Half of 40+ cases: two seeds agreeing by chance is below one in 10^11.
    assert first.select() != sampling(pop, other, rate="0.5").select()


@given(case_ids, st.data())
def test_a_selected_case_leaving_the_population_changes_the_selection(
    cases: list[int], data: st.DataObject
) -> None:
    before = sampling(population(cases)).select()
    gone = data.draw(st.sampled_from(picked(before)))
    newcomer = max(cases) + 1
    after = sampling(population([c for c in cases if c != gone] + [newcomer])).select()
    assert gone not in picked(after) and after != before


@given(
    st.integers(1, 300),
    st.decimals(min_value=Decimal("0.0001"), max_value=1, places=4),
    st.integers(1, 20),
)
def test_k_is_the_rate_rounded_up_at_least_the_minimum_and_never_more_than_there_are(
    n: int, rate: Decimal, minimum: int
) -> None:
    k = rules.sample_size(n, rate, minimum)
    assert k == min(n, max(minimum, math.ceil(rate * n)))
    assert 1 <= k <= n


def test_the_rate_is_exact_seven_percent_of_one_hundred_is_seven() -> None:
    assert rules.sample_size(100, rules.parse_rate(0.07), 1) == 7
    assert rules.sample_size(20, rules.parse_rate("0.05"), 1) == 1
    assert rules.sample_size(3, rules.parse_rate("0.05"), 5) == 3


@given(
    case_ids,
    st.decimals(min_value=Decimal("0.01"), max_value=1, places=2),
    st.decimals(min_value=Decimal("0.01"), max_value=1, places=2),
    st.integers(1, 10),
    st.integers(1, 10),
)
def test_rate_and_minimum_change_the_selection_exactly_when_they_change_k(
    cases: list[int], rate: Decimal, other_rate: Decimal, minimum: int, other_minimum: int
) -> None:
    pop = population(cases)
    one = picked(sampling(pop, rate=str(rate), minimum_per_window=minimum).select())
    two = picked(sampling(pop, rate=str(other_rate), minimum_per_window=other_minimum).select())
    n = len(cases)
    k1, k2 = rules.sample_size(n, rate, minimum), rules.sample_size(n, other_rate, other_minimum)
    assert (one == two) == (k1 == k2)
    # The ranking is fixed by the seed: a larger sample extends the smaller one.
    assert one[: min(k1, k2)] == two[: min(k1, k2)]


# ---- a changed record no longer verifies ----------------------------------------------------


def _verify(original: Draw, made: rules.Made, tampered: Draw) -> rules.Verification:
    return rules.verify(
        tampered, made.seed, made.population_digest, made.selection, made.draw_digest
    )


@given(
    case_ids,
    st.sampled_from(["seed_value", "member", "rate", "minimum", "plan", "source"]),
)
def test_changing_any_one_input_of_a_recorded_draw_fails_verification(
    cases: list[int], what: str
) -> None:
    pop = population(cases)
    draw = sampling(pop)
    made = rules.make(draw)
    assert _verify(draw, made, draw).verified
    changed = {
        "seed_value": lambda: sampling(pop, "3 8 2"),
        "member": lambda: sampling(population([*cases[1:], max(cases) + 1])),
        "rate": lambda: sampling(pop, rate="0.1001"),
        "minimum": lambda: sampling(pop, minimum_per_window=2),
        "plan": lambda: Draw(Kind.SAMPLING, 8, SOURCE, "3 8 1", draw.parameters, pop),
        "source": lambda: Draw(Kind.SAMPLING, 7, SOURCE + " ", "3 8 1", draw.parameters, pop),
    }[what]()
    assert not _verify(draw, made, changed).verified


def test_an_edited_selection_fails_verification() -> None:
    draw = sampling(population(list(range(1, 41))))
    made = rules.make(draw)
    edited = [{"window_id": 1, "case_ids": [*made.selection[0]["case_ids"][:-1], 999]}]
    result = rules.verify(draw, made.seed, made.population_digest, edited, made.draw_digest)
    assert not result.verified and not result.selection_matches


# ---- random spot checks and recusal ---------------------------------------------------------

UNITS = ["tj-hexi", "tj-nankai", "tj-heping", "tj-binhai"]
inspector_pools = st.lists(
    st.tuples(
        st.none() | st.sampled_from(UNITS), st.frozensets(st.sampled_from(UNITS), max_size=2)
    ),
    max_size=10,
)
window_units = st.lists(
    st.lists(st.sampled_from(UNITS), min_size=1, max_size=3, unique=True), min_size=1, max_size=6
)


def spot_population(windows: list[list[str]], pool: list[Any]) -> dict[str, Any]:
    return population_rules.spot_check_population(
        ((i, units) for i, units in enumerate(windows, 1)),
        (Inspector(i, home, conflicts) for i, (home, conflicts) in enumerate(pool, 1)),
    )


@given(window_units, inspector_pools, st.integers(2, 4), st.integers(1, 6), st.text(max_size=8))
def test_recusal_is_never_broken_and_a_draw_short_of_inspectors_is_refused(
    windows: list[list[str]], pool: list[Any], needed: int, how_many: int, value: str
) -> None:
    pop = spot_population(windows, pool)
    parameters = {"days": ["2026-12-02"], "windows": how_many, "rate": None}
    draw = Draw(
        Kind.SPOT_CHECK, 3, SOURCE, value, parameters | {"inspectors_per_window": needed}, pop
    )
    barred = {i: {home, *conflicts} - {None} for i, (home, conflicts) in enumerate(pool, 1)}
    ranked = rules.first_by_rank(draw.seed, range(1, len(windows) + 1), "window:{}", how_many)
    short = [w for w in ranked if sum(not barred[i] & set(windows[w - 1]) for i in barred) < needed]
    if short:
        with pytest.raises(RuleViolation) as refused:
            draw.select()
        assert refused.value.rule == "TJ-7.4" and "inspectors" in refused.value.errors
        return
    selection = draw.select()
    assert [w["window_id"] for w in selection] == ranked
    for w in selection:
        assert len(w["inspector_ids"]) == needed == len(set(w["inspector_ids"]))
        assert not any(barred[i] & set(windows[w["window_id"] - 1]) for i in w["inspector_ids"])


@given(
    st.sampled_from(["seed_value", "conflict", "home", "units", "inspectors", "windows", "plan"])
)
def test_changing_any_one_input_of_a_spot_check_fails_verification(what: str) -> None:
    windows = [["tj-hexi"], ["tj-nankai"], ["tj-heping", "tj-hexi"], ["tj-binhai"]]
    pool = [(None, frozenset()), ("tj-binhai", frozenset()), (None, frozenset({"tj-hexi"}))]
    pool += [(None, frozenset()), ("tj-heping", frozenset())]
    parameters = {"days": ["2026-12-02"], "windows": 2, "rate": None, "inspectors_per_window": 2}

    def check(value: str = "3361.84", plan: int = 3, **changed: Any) -> Draw:
        pop = spot_population(changed.get("windows", windows), changed.get("pool", pool))
        return Draw(Kind.SPOT_CHECK, plan, SOURCE, value, parameters | changed.get("p", {}), pop)

    draw = check()
    made = rules.make(draw)
    assert _verify(draw, made, draw).verified
    changed = {
        "seed_value": lambda: check("3361.85"),
        "conflict": lambda: check(pool=[*pool[:3], (None, frozenset({"tj-nankai"})), pool[4]]),
        "home": lambda: check(pool=[("tj-hexi", frozenset()), *pool[1:]]),
        "units": lambda: check(windows=[*windows[:3], ["tj-binhai", "tj-nankai"]]),
        "inspectors": lambda: check(p={"inspectors_per_window": 3}),
        "windows": lambda: check(p={"windows": 3}),
        "plan": lambda: check(plan=4),
    }[what]()
    assert not _verify(draw, made, changed).verified


def test_a_shared_window_recuses_the_inspectors_of_every_unit_sharing_it() -> None:
    hexi = Inspector(1, "tj-hexi", frozenset())
    declared = Inspector(2, None, frozenset({"tj-nankai"}))
    staff = Inspector(3, None, frozenset())
    assert hexi.recused_from(["tj-nankai", "tj-hexi"])
    assert declared.recused_from(["tj-heping", "tj-nankai"])
    assert not staff.recused_from(["tj-hexi", "tj-nankai"])


def test_a_spot_check_is_made_by_at_least_two_inspectors() -> None:
    days = [TODAY + timedelta(days=2)]
    with pytest.raises(RuleViolation) as refused:
        plan_rules.check_spot_check_plan(days, 3, None, 1, TODAY + timedelta(days=1))
    assert refused.value.rule == "TJ-7.4" and "inspectors_per_window" in refused.value.errors
    plan_rules.check_spot_check_plan(days, 3, None, 2, TODAY + timedelta(days=1))


def test_a_record_edited_down_to_one_inspector_is_re_run_with_two_and_fails() -> None:
    pop = spot_population([["tj-hexi"]], [(None, frozenset())] * 3)
    parameters = {"days": ["2026-12-02"], "windows": 1, "rate": None, "inspectors_per_window": 2}
    draw = Draw(Kind.SPOT_CHECK, 3, SOURCE, "1", parameters, pop)
    made = rules.make(draw)
    edited = Draw(Kind.SPOT_CHECK, 3, SOURCE, "1", parameters | {"inspectors_per_window": 1}, pop)
    one = [{**made.selection[0], "inspector_ids": made.selection[0]["inspector_ids"][:1]}]
    result = rules.verify(edited, made.seed, made.population_digest, one, made.draw_digest)
    assert not result.verified and len(result.selection[0]["inspector_ids"]) == 2  # type: ignore[index]


def test_a_rate_of_windows_draws_at_least_one() -> None:
    assert rules.windows_to_draw(30, None, Decimal("0.1")) == 3
    assert rules.windows_to_draw(4, None, Decimal("0.1")) == 1
    assert rules.windows_to_draw(4, 10, None) == 4


# ---- the commitment, the day, and no silent redraw ----------------------------------------


def test_the_draw_day_cannot_be_in_the_past_when_the_plan_is_made() -> None:
    with pytest.raises(RuleViolation) as refused:
        plan_rules.check_commitment(SOURCE, TODAY - timedelta(days=1), TODAY)
    assert refused.value.rule == "TJ-7.4" and "draw_on" in refused.value.errors
    plan_rules.check_commitment(SOURCE, TODAY, TODAY)
    with pytest.raises(Invalid):
        plan_rules.check_commitment("  ", TODAY, TODAY)


def test_nothing_is_drawn_before_the_draw_day_nor_after_the_checks_last_day() -> None:
    with pytest.raises(RuleViolation) as early:
        plan_rules.check_draw_day(TODAY + timedelta(days=1), TODAY)
    assert early.value.rule == "TJ-7.4"
    plan_rules.check_draw_day(TODAY, TODAY)
    with pytest.raises(RuleViolation) as late:
        plan_rules.check_draw_day(TODAY - timedelta(days=5), TODAY, TODAY - timedelta(days=1))
    assert "days" in late.value.errors


def test_a_plan_is_drawn_again_only_with_a_reason() -> None:
    plan_rules.check_redraw(None, "")
    with pytest.raises(Conflict) as refused:
        plan_rules.check_redraw(12, "  ")
    assert refused.value.rule == "TJ-7.4" and "reason" in refused.value.errors
    plan_rules.check_redraw(12, "开奖号码录入错误")


def test_sampling_waits_for_the_period_to_end() -> None:
    with pytest.raises(Invalid) as refused:
        plan_rules.check_sampling_plan(date(2026, 10, 1), date(2026, 10, 31), 1, date(2026, 10, 31))
    assert "draw_on" in refused.value.errors
    with pytest.raises(Invalid):
        plan_rules.check_sampling_plan(date(2026, 11, 1), date(2026, 10, 31), 1, TODAY)


@pytest.mark.parametrize("rate", [0, -0.1, 1.01, "abc", "NaN", "0.00001"])
def test_a_rate_is_above_zero_at_most_one_with_four_places(rate: Any) -> None:
    with pytest.raises(Invalid) as refused:
        rules.parse_rate(rate)
    assert "rate" in refused.value.errors


def test_an_empty_population_has_nothing_to_draw() -> None:
    with pytest.raises(Conflict):
        rules.check_population(sampling(population()))


# ---- every refusal names its field and rule -------------------------------------------------

REFUSALS = {"Conflict", "Invalid", "RuleViolation", "TooLarge", "Forbidden", "PreconditionFailed"}


def unnamed_refusals(module: Any) -> list[str]:
    """The refusals `module` raises without a known docs/rules.md ID, or (but for a 403, which is
    about the caller, not a field) without the field it refuses; each as `line: problem`."""
    from services.inspection.domain.findings import KNOWN_RULES

    tree = ast.parse(inspect.getsource(module))

    def rules_of(node: ast.expr) -> list[Any]:
        if isinstance(node, ast.IfExp):
            return rules_of(node.body) + rules_of(node.orelse)
        if isinstance(node, ast.Constant):
            return [node.value]
        if isinstance(node, ast.Name) and node.id == "rule":
            return ["TJ-7.4"]  # a helper's parameter, given by each caller from the module's IDs
        if isinstance(node, ast.Name):
            return [vars(module).get(node.id)]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return [getattr(vars(module).get(node.value.id), node.attr, None)]
        return [None]

    wrong = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        name = getattr(node.exc.func, "id", getattr(node.exc.func, "attr", ""))
        if name not in REFUSALS:
            continue
        named = {k.arg: k.value for k in node.exc.keywords}
        if "rule" not in named or not set(rules_of(named["rule"])) <= KNOWN_RULES:
            wrong.append(f"{node.lineno}: no rule")
        if name != "Forbidden" and not {"field", "errors"} & set(named):
            wrong.append(f"{node.lineno}: no field")
    return wrong


def test_every_refusal_of_sampling_and_spot_checks_names_its_field_and_rule() -> None:
    from services.inspection.handlers import draw_plans, draws, inspectors

    for module in (*DOMAIN_MODULES, draws, draw_plans, inspectors):
        assert unnamed_refusals(module) == [], module.__name__
