"""The annual assessment (EQ-3.2.2a–d) as plain rules: scores that explain themselves, grades
under the 20% quota, calibration, appeals, consequences and the unit target."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.staffing.domain import assessment as rules
from services.staffing.domain import assessment_grades as grade_rules
from services.staffing.domain import assessment_quota as quota_rules
from services.staffing.domain import assessment_scheme as scheme_rules
from services.staffing.domain import assessment_scores as score_rules
from services.staffing.domain.assessment import CycleState, Grade, InputKind
from services.staffing.domain.assessment_grades import Ranked
from services.staffing.domain.assessment_scheme import Scheme
from services.staffing.domain.assessment_scores import Input, Tally
from shared.errors import Invalid, RuleViolation, StateConflict

D = Decimal
SCHEME = Scheme()
ODD = Scheme(
    version=2,
    timeliness=D("17.77"),
    satisfaction=D("13.33"),
    training_per_hour=D("0.333"),
    late=D("-0.125"),
)
DAY = date(2025, 6, 2)


def fact(kind: InputKind, value: str = "1", detail: str = "", n: int = 0) -> Input:
    return Input(f"event:{kind}-{n}", kind, DAY, D(value), detail)


def ranked(staff_id: str, total: str, timeliness: str = "18", satisfaction: str = "12") -> Ranked:
    return Ranked(staff_id, D(total), D(timeliness), D(satisfaction), Fraction(1))


def adds_up(score: score_rules.Score) -> bool:
    return sum((line.points for line in score.lines), D(0)) == score.total


# --- quota and weight -----------------------------------------------------------------------


def test_the_quota_is_a_fifth_of_the_assessed_rounded_down() -> None:
    assert [quota_rules.quota(n) for n in (0, 4, 5, 9, 10, 14, 15, 200)] == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        40,
    ]
    with pytest.raises(Invalid):
        quota_rules.quota(-1)


@given(st.integers(0, 10_000))
def test_the_quota_never_passes_twenty_percent(n: int) -> None:
    assert quota_rules.quota(n) <= Fraction(n, 5) < quota_rules.quota(n) + 1


def test_a_small_cycle_s_exception_gives_one_place_and_only_where_the_floor_gives_none() -> None:
    """LR-SMALL-QUOTA: the authority's exception lifts a quota of 0 to 1 (1 to 4 assessed),
    never an empty cycle's, never a quota of 1 or more; it is granted in writing, before the
    grades are final, for a cycle of fewer than 5."""
    assert [quota_rules.quota(n, exception=True) for n in (0, 1, 4, 5, 9, 10)] == [0, 1, 1, 1, 1, 2]
    assert quota_rules.grant_small_quota(CycleState.SCORED, 4, " why ") == "why"
    with pytest.raises(RuleViolation) as big:
        quota_rules.grant_small_quota(CycleState.OPEN, 5, "why")
    assert big.value.rule == "LR-SMALL-QUOTA"
    with pytest.raises(Invalid):
        quota_rules.grant_small_quota(CycleState.OPEN, 3, "  ")
    with pytest.raises(StateConflict):
        quota_rules.grant_small_quota(CycleState.FINALISED, 3, "why")


def test_a_window_weighs_at_least_five_percent_in_its_unit_target() -> None:
    assert rules.check_window_weight(D("0.05")) == D("0.05")
    assert rules.check_window_weight(D("1")) == D("1")
    for weight in ("0.0499", "0", "-0.1", "1.01", "NaN"):
        with pytest.raises(RuleViolation) as refused:
            rules.check_window_weight(D(weight))
        assert refused.value.rule == "EQ-3.2.2b" and "EQ-3.2.2b" in refused.value.detail
        assert "weight" in refused.value.errors


# --- the scheme -----------------------------------------------------------------------------


def test_a_published_scheme_is_stored_and_read_back() -> None:
    assert scheme_rules.scheme_from(1, {}) == SCHEME
    values = scheme_rules.scheme_values(ODD)
    assert values["timeliness"] == "17.77" and "version" not in values
    assert scheme_rules.scheme_from(2, values) == ODD
    assert scheme_rules.scheme_from(3, {"late": -0.35}).late == D("-0.35")
    assert scheme_rules.scheme_from(3, {"late": "-1", "base": 55}).base == D("55")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"bonus": "1"}, "bonus"),
        ({"base": "sixty"}, "base"),
        ({"base": True}, "base"),
        ({"base": None}, "base"),
        ({"late": "Infinity"}, "late"),
        ({"training_cap": "-1"}, "training_cap"),
        ({"sanction": "5"}, "sanction"),
        ({"finding_minor": "0.5"}, "finding_minor"),
        ({"competent_from": "90"}, "excellent_from"),
        ({"basic_from": "80"}, "competent_from"),
        ({"basic_from": "-1"}, "basic_from"),
        ({"excellent_from": "101"}, "excellent_from"),
        ({"base": "66"}, "base"),
    ],
)
def test_a_scheme_that_cannot_work_is_refused_naming_the_value(
    values: dict[str, object], field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        scheme_rules.scheme_from(2, values)
    assert field in refused.value.errors and field in refused.value.detail


def test_a_scheme_has_a_version_from_one() -> None:
    with pytest.raises(Invalid) as refused:
        scheme_rules.scheme_from(0, {})
    assert "version" in refused.value.errors


# --- staff scores ---------------------------------------------------------------------------


def test_a_staff_score_explains_every_point() -> None:
    inputs = [
        *(fact(InputKind.CASE_STEP, v, n=i) for i, v in enumerate("1101")),
        fact(InputKind.EVALUATION, "5", n=1),
        fact(InputKind.EVALUATION, "3", n=2),
        fact(InputKind.TRAINING, "30"),
        fact(InputKind.COMPLAINT_UPHELD),
        fact(InputKind.FINDING, detail="major"),
        fact(InputKind.ABSENT_UNAPPROVED, n=1),
        fact(InputKind.ABSENT_UNAPPROVED, n=2),
        fact(InputKind.LATE),
    ]
    score = score_rules.score_staff(SCHEME, inputs, Fraction(1, 2))
    assert score.components() == {
        "base": D("60"),
        "timeliness": D("15"),  # 3 of 4 steps on time
        "satisfaction": D("11.25"),  # mean 4 → 15 × 3/4
        "training": D("2.5"),  # 7.5 earned, the cap 5 halved for half a year
        "complaint_upheld": D("-4"),
        "finding": D("-3"),
        "absent_unapproved": D("-4"),
        "late": D("-0.5"),
    }
    assert score.total == D("77.25") and adds_up(score)
    steps = [line for line in score.lines if line.component == "timeliness"]
    assert [line.points for line in steps] == [D(5), D(5), D(0), D(5)]
    assert {line.source for line in steps} == {f"event:case_step-{i}" for i in range(4)}
    cap = [line for line in score.lines if line.component == "training" and line.source is None]
    assert [line.points for line in cap] == [D("-5")]


def test_nothing_to_show_is_neutral_not_full_marks() -> None:
    score = score_rules.score_staff(SCHEME, [], Fraction(1))
    assert score.components() == {"base": 60, "timeliness": 15, "satisfaction": D("11.25")}
    assert score.total == D("86.25") and adds_up(score)
    assert all(line.source is None and line.note for line in score.lines)


def test_rounding_is_spread_over_the_lines_so_they_add_up() -> None:
    steps = [fact(InputKind.CASE_STEP, n=i) for i in range(3)]
    score = score_rules.score_staff(SCHEME, steps, Fraction(1))
    assert sorted(line.points for line in score.lines[1:4]) == [D("6.66"), D("6.67"), D("6.67")]
    assert score.components()["timeliness"] == 20 and adds_up(score)


def test_a_score_is_clamped_within_0_to_100_by_a_line() -> None:
    penalties = [fact(InputKind.FINDING, detail="serious", n=i) for i in range(20)]
    low = score_rules.score_staff(SCHEME, penalties, Fraction(1))
    assert low.total == 0 and low.lines[-1].component == "clamp" and adds_up(low)
    high = score_rules.score_staff(replace(SCHEME, base=D("95")), [], Fraction(1))
    assert high.total == 100 and high.lines[-1].points == D("-21.25") and adds_up(high)


@pytest.mark.parametrize(
    "bad",
    [
        fact(InputKind.SANCTION),
        fact(InputKind.CASE_STEP, "2"),
        fact(InputKind.EVALUATION, "6"),
        fact(InputKind.EVALUATION, "0"),
        fact(InputKind.TRAINING, "-1"),
        fact(InputKind.LATE, "NaN"),
        fact(InputKind.FINDING, detail="huge"),
    ],
)
def test_a_staff_score_refuses_facts_it_cannot_count(bad: Input) -> None:
    with pytest.raises(Invalid) as refused:
        score_rules.score_staff(SCHEME, [bad], Fraction(1))
    assert "inputs" in refused.value.errors


def test_the_share_served_is_part_of_a_year() -> None:
    for served in (Fraction(0), Fraction(11, 10)):
        with pytest.raises(Invalid):
            score_rules.score_staff(SCHEME, [], served)


SOURCES = st.uuids().map(lambda u: f"event:{u}")
DAYS = st.dates(date(2025, 1, 1), date(2025, 12, 31))
COUNTS = st.integers(1, 3).map(D)


def facts(
    kind: InputKind, values: st.SearchStrategy[Decimal], detail: str = ""
) -> st.SearchStrategy[Input]:
    return st.builds(Input, SOURCES, st.just(kind), DAYS, values, st.just(detail))


STAFF_FACTS = st.one_of(
    facts(InputKind.CASE_STEP, st.sampled_from([D(0), D(1)])),
    facts(InputKind.EVALUATION, st.decimals(1, 5, places=2)),
    facts(InputKind.TRAINING, st.decimals("0.1", "40", places=1)),
    *(facts(InputKind.FINDING, COUNTS, severity) for severity in ("minor", "major", "serious")),
    *(
        facts(kind, COUNTS)
        for kind in (InputKind.COMPLAINT_UPHELD, InputKind.ABSENT_UNAPPROVED, InputKind.LATE)
    ),
)
SERVED = st.integers(1, 365).map(lambda days: Fraction(days, 365))


@given(st.sampled_from([SCHEME, ODD]), st.lists(STAFF_FACTS, max_size=60), SERVED, st.randoms())
def test_the_lines_of_a_staff_score_add_up_to_it_exactly(
    scheme: Scheme, inputs: list[Input], served: Fraction, rnd: random.Random
) -> None:
    score = score_rules.score_staff(scheme, inputs, served)
    assert adds_up(score) and 0 <= score.total <= 100
    assert all(line.points == line.points.quantize(D("0.01")) for line in score.lines)
    assert sum(score.components().values(), D(0)) == score.total
    training = Fraction(score.components().get("training", D(0)))
    assert training <= Fraction(scheme.training_cap) * served + Fraction(1, 200)
    rnd.shuffle(inputs)
    assert score_rules.score_staff(scheme, inputs, served) == score


@given(st.lists(STAFF_FACTS, max_size=60), SERVED)
def test_steps_and_evaluations_counted_together_give_the_same_points(
    inputs: list[Input], served: Fraction
) -> None:
    tally, rest = Tally(), []
    for one in inputs:
        if one.kind is InputKind.CASE_STEP:
            tally = replace(tally, steps=tally.steps + 1, on_time=tally.on_time + int(one.value))
        elif one.kind is InputKind.EVALUATION:
            tally = tally.with_evaluation(one.value)
        else:
            rest.append(one)
    listed = score_rules.score_staff(ODD, inputs, served)
    counted = score_rules.score_staff(ODD, rest, served, tally)
    assert counted.components() == listed.components() and adds_up(counted)
    assert len(counted.lines) <= len(rest) + 6


def test_a_tally_counts_only_what_can_be() -> None:
    assert Tally().with_evaluation("5").with_evaluation(D(2)) == Tally(0, 0, 2, D(7))
    for bad in (lambda: Tally(1, 2), lambda: Tally(0, 0, 1, D(6)), lambda: Tally(0, 0, 0, D(1))):
        with pytest.raises(Invalid):
            bad()
    with pytest.raises(Invalid):
        Tally().with_evaluation("0")
    score = score_rules.score_staff(SCHEME, [], Fraction(1), Tally(4, 3, 2, D(8)))
    assert score.components() == {"base": 60, "timeliness": 15, "satisfaction": D("11.25")}
    assert [line.source for line in score.lines] == [None, None, None]


# --- window scores --------------------------------------------------------------------------


def test_a_window_scores_its_staff_weighted_by_time_served_and_its_own_facts() -> None:
    staff = [(D("80"), Fraction(1)), (D("60"), Fraction(1, 2))]
    window = [
        fact(InputKind.SANCTION),
        fact(InputKind.FINDING, detail="minor"),
        fact(InputKind.EVALUATION, "5"),
    ]
    score = score_rules.score_window(SCHEME, staff, window)
    assert score.components() == {
        "staff_average": D("73.33"),  # (80 + 30) / 1.5
        "sanction": D("-5"),
        "finding": D("-1"),
        "satisfaction": D("3.75"),  # a mean of 5 is one above the neutral 4
    }
    assert score.total == D("71.08") and adds_up(score)


def test_a_window_score_names_each_staff_member_s_part_of_the_average() -> None:
    staff = [
        score_rules.Stint(D("80"), Fraction(1), "staff:s-1"),
        score_rules.Stint(D("60"), Fraction(1, 2), "staff:s-2"),
        score_rules.Stint(D("70.01"), Fraction(1, 3), "staff:s-3"),
    ]
    score = score_rules.score_window(SCHEME, staff, [fact(InputKind.SANCTION)])
    parts = [ln for ln in score.lines if ln.component == "staff_average"]
    assert [ln.source for ln in parts] == ["staff:s-1", "staff:s-2", "staff:s-3"]
    # (80 + 30 + 23.337) / (11/6) = 72.73: the parts add up to the average, each within a cent
    assert sum(ln.points for ln in parts) == D("72.73") and adds_up(score)
    assert [ln.points for ln in parts] == [D("43.64"), D("16.36"), D("12.73")]
    unnamed = score_rules.score_window(SCHEME, [(D("80"), Fraction(1))], [])
    assert unnamed.components() == {"staff_average": D("80")}
    assert [ln.source for ln in unnamed.lines] == [None]


def test_a_window_is_assessed_in_every_year_it_was_published() -> None:
    during = rules.published_during
    assert during(2026, "active", date(2026, 12, 31), None)
    assert not during(2026, "active", date(2027, 1, 1), None)
    assert during(2026, "terminated", date(2024, 3, 1), date(2026, 1, 1))
    assert not during(2026, "terminated", date(2024, 3, 1), date(2025, 12, 31))
    assert during(2026, "suspended", date(2025, 3, 1), None)
    assert not during(2026, "agreed", None, None)  # never published
    # published before the days were kept: while still published, or in the year it ended
    assert during(2026, "active", None, None)
    assert during(2026, "revoked", None, date(2026, 5, 1))
    assert not during(2026, "revoked", None, None)
    assert not during(2026, "revoked", None, date(2027, 5, 1))


def test_a_window_without_staff_starts_at_the_competent_threshold() -> None:
    score = score_rules.score_window(SCHEME, [], [fact(InputKind.EVALUATION, "1")])
    assert score.components() == {"base": D("75"), "satisfaction": D("-11.25")}
    with pytest.raises(Invalid):
        score_rules.score_window(SCHEME, [], [fact(InputKind.CASE_STEP)])
    with pytest.raises(Invalid):
        score_rules.score_window(SCHEME, [(D("80"), Fraction(0))], [])


WINDOW_FACTS = st.one_of(
    facts(InputKind.EVALUATION, st.decimals(1, 5, places=1)),
    facts(InputKind.SANCTION, COUNTS),
    facts(InputKind.COMPLAINT_UPHELD, COUNTS),
    facts(InputKind.FINDING, COUNTS, "serious"),
)


@given(
    st.sampled_from([SCHEME, ODD]),
    st.lists(st.tuples(st.decimals(0, 100, places=2), SERVED), max_size=8),
    st.lists(WINDOW_FACTS, max_size=20),
)
def test_the_lines_of_a_window_score_add_up_to_it_exactly(
    scheme: Scheme, staff: list[tuple[Decimal, Fraction]], inputs: list[Input]
) -> None:
    score = score_rules.score_window(scheme, staff, inputs)
    assert adds_up(score) and 0 <= score.total <= 100


# --- grades and the quota (EQ-3.2.2c) --------------------------------------------------------


def test_grades_follow_the_thresholds() -> None:
    totals = ("100", "90", "89.99", "75", "74.99", "60", "59.99", "0")
    assert [grade_rules.grade_for(SCHEME, D(t)) for t in totals] == [
        Grade.EXCELLENT,
        Grade.EXCELLENT,
        Grade.COMPETENT,
        Grade.COMPETENT,
        Grade.BASIC,
        Grade.BASIC,
        Grade.INCOMPETENT,
        Grade.INCOMPETENT,
    ]


def ten(*top: Ranked) -> list[Ranked]:
    """Ten staff with quota 2: `top` and then ordinary staff at 80 and 65."""
    rest = [ranked(f"s-{i}", "80" if i % 2 else "65") for i in range(10 - len(top))]
    return [*top, *rest]


def excellent(grades: dict[str, Grade]) -> set[str]:
    return {staff_id for staff_id, grade in grades.items() if grade is Grade.EXCELLENT}


def test_the_proposal_gives_excellent_to_at_most_the_quota_best() -> None:
    staff = ten(*(ranked(f"top-{i}", str(99 - i)) for i in range(4)))
    grades = grade_rules.propose(SCHEME, staff)
    assert excellent(grades) == {"top-0", "top-1"}
    assert grades["top-2"] is grades["top-3"] is Grade.COMPETENT
    assert grades["s-0"] is Grade.BASIC and grades["s-1"] is Grade.COMPETENT


def test_a_tie_for_the_last_place_of_the_quota_gives_none_of_the_tied_excellent() -> None:
    first = ranked("a", "95")
    tied = [ranked(name, "92") for name in ("b", "c", "d")]
    staff = ten(first, *tied)
    assert excellent(grade_rules.propose(SCHEME, staff)) == {"a"}
    assert excellent(grade_rules.propose(SCHEME, staff[::-1])) == {"a"}


def test_three_tied_at_the_top_with_a_quota_of_two_are_none_excellent() -> None:
    staff = ten(*(ranked(name, "95") for name in ("a", "b", "c")), ranked("d", "91"))
    grades = grade_rules.propose(SCHEME, staff)
    assert excellent(grades) == set()  # d ranks below the tie and does not pass it
    assert {grades[name] for name in "abcd"} == {Grade.COMPETENT}


def test_two_tied_at_the_top_fill_a_quota_of_two() -> None:
    staff = ten(ranked("a", "95"), ranked("b", "95"), ranked("c", "93"))
    assert excellent(grade_rules.propose(SCHEME, staff)) == {"a", "b"}


def test_ties_are_broken_by_timeliness_then_satisfaction_then_time_served() -> None:
    by_timeliness = ten(ranked("a", "95", "19"), ranked("b", "95", "18"), ranked("c", "95", "17"))
    assert excellent(grade_rules.propose(SCHEME, by_timeliness)) == {"a", "b"}
    by_satisfaction = ten(ranked("a", "95", "18", "10"), *(ranked(x, "95") for x in "bc"))
    assert excellent(grade_rules.propose(SCHEME, by_satisfaction)) == {"b", "c"}
    by_served = ten(
        *(
            replace(ranked(x, "95"), served=Fraction(1, d))
            for x, d in zip("abc", (1, 2, 3), strict=True)
        )
    )
    assert excellent(grade_rules.propose(SCHEME, by_served)) == {"a", "b"}
    still_tied = ten(
        *(
            replace(ranked(x, "95"), served=Fraction(1, d))
            for x, d in zip("abc", (1, 2, 2), strict=True)
        )
    )
    assert excellent(grade_rules.propose(SCHEME, still_tied)) == {"a"}


def test_no_excellent_when_the_quota_is_zero_and_each_staff_member_once() -> None:
    staff = [ranked(f"s-{i}", "99") for i in range(4)]
    assert set(grade_rules.propose(SCHEME, staff).values()) == {Grade.COMPETENT}
    with pytest.raises(Invalid) as twice:
        grade_rules.propose(SCHEME, [ranked("a", "80"), ranked("a", "70")])
    assert "staff_id" in twice.value.errors


RANKED = st.builds(
    Ranked,
    st.integers(0, 10_000).map(lambda i: f"s-{i}"),
    st.sampled_from([D(n) for n in ("50", "76", "90", "95")]),
    st.sampled_from([D(18), D(20)]),
    st.sampled_from([D(15), D(15), D(12)]),  # mostly the same: ties are what is tested
    st.sampled_from([Fraction(1), Fraction(1), Fraction(1, 2)]),
)


@given(st.lists(RANKED, unique_by=lambda r: r.staff_id, min_size=5, max_size=60), st.randoms())
def test_the_proposal_does_not_depend_on_the_order_of_the_list(
    staff: list[Ranked], rnd: random.Random
) -> None:
    grades = grade_rules.propose(SCHEME, staff)
    shuffled = staff[:]
    rnd.shuffle(shuffled)
    assert grade_rules.propose(SCHEME, shuffled) == grades
    assert len(excellent(grades)) <= quota_rules.quota(len(staff))
    key = {r.staff_id: (r.total, r.timeliness, r.satisfaction, r.served) for r in staff}
    for r in staff:  # a tie is never split, and nobody excellent ranks below someone who is not
        if grades[r.staff_id] is Grade.EXCELLENT:
            passed = [
                o for o in staff if o.total >= 90 and grades[o.staff_id] is not Grade.EXCELLENT
            ]
            assert all(key[o.staff_id] < key[r.staff_id] for o in passed)


def test_the_quota_view_shows_how_far_over_it_is() -> None:
    grades = [Grade.EXCELLENT] * 3 + [Grade.COMPETENT] * 7
    assert quota_rules.quota_view(grades) == quota_rules.QuotaView(10, 2, 3, 1)
    assert quota_rules.quota_view(grades[1:]) == quota_rules.QuotaView(9, 1, 2, 1)
    assert quota_rules.quota_view([]) == quota_rules.QuotaView(0, 0, 0, 0)


def test_a_cycle_over_the_quota_is_not_finalised() -> None:
    grades = [Grade.EXCELLENT] * 3 + [Grade.COMPETENT] * 7
    with pytest.raises(RuleViolation) as refused:
        quota_rules.check_finalise(grades)
    assert refused.value.rule == "EQ-3.2.2c" and "grades" in refused.value.errors
    assert "EQ-3.2.2c" in refused.value.detail
    assert "at most 2 of 10" in refused.value.detail and "3 would be" in refused.value.detail
    quota_rules.check_finalise([*grades[1:], Grade.BASIC])


def test_calibration_happens_between_scoring_and_finalising() -> None:
    change = grade_rules.calibrate(
        CycleState.SCORED, "s-1", Grade.COMPETENT, Grade.EXCELLENT, " fine work ", "center:c"
    )
    assert change == grade_rules.GradeChange(
        "s-1", Grade.COMPETENT, Grade.EXCELLENT, "fine work", "center:c", "calibration"
    )
    for state, said in ((CycleState.OPEN, "score"), (CycleState.FINALISED, "appeal")):
        with pytest.raises(StateConflict, match=said):
            grade_rules.calibrate(state, "s-1", Grade.COMPETENT, Grade.EXCELLENT, "r", "c")
    with pytest.raises(Invalid) as no_reason:
        grade_rules.calibrate(CycleState.SCORED, "s-1", Grade.COMPETENT, Grade.BASIC, " ", "c")
    assert "reason" in no_reason.value.errors
    with pytest.raises(Invalid) as same:
        grade_rules.calibrate(CycleState.SCORED, "s-1", Grade.BASIC, Grade.BASIC, "r", "c")
    assert "grade" in same.value.errors


def test_an_appeal_comes_within_thirty_days_of_finalising() -> None:
    finalised = date(2026, 1, 15)
    check = grade_rules.check_appeal
    check(CycleState.FINALISED, finalised, date(2026, 2, 14), "wrong count", False)
    with pytest.raises(StateConflict, match="2026-02-14"):
        check(CycleState.FINALISED, finalised, date(2026, 2, 15), "wrong count", False)
    check(CycleState.FINALISED, finalised, date(2026, 2, 15), "wrong count", False, days=31)
    for state in (CycleState.OPEN, CycleState.SCORED):
        with pytest.raises(StateConflict):
            check(state, None, finalised, "wrong count", False)
    with pytest.raises(StateConflict, match="pending"):
        check(CycleState.FINALISED, finalised, finalised, "wrong count", True)
    with pytest.raises(Invalid) as no_reason:
        check(CycleState.FINALISED, finalised, finalised, "", False)
    assert "reason" in no_reason.value.errors


def test_an_appeal_is_not_upheld_to_excellent_when_the_quota_is_full() -> None:
    grades = {f"s-{i}": Grade.COMPETENT for i in range(10)}
    grades.update({"s-0": Grade.EXCELLENT, "s-1": Grade.EXCELLENT})
    with pytest.raises(RuleViolation) as refused:
        grade_rules.decide_appeal(grades, "s-2", Grade.EXCELLENT, "upheld", "center:c")
    assert refused.value.rule == "EQ-3.2.2c" and "EQ-3.2.2c" in refused.value.detail
    dismissed = grade_rules.decide_appeal(grades, "s-2", Grade.COMPETENT, "no", "center:c")
    assert dismissed.before is dismissed.after is Grade.COMPETENT and dismissed.kind == "appeal"
    grade_rules.decide_appeal(grades, "s-0", Grade.EXCELLENT, "confirmed", "center:c")
    grades["s-1"] = Grade.COMPETENT
    upheld = grade_rules.decide_appeal(grades, "s-2", Grade.EXCELLENT, "miscounted", "center:c")
    assert (upheld.before, upheld.after) == (Grade.COMPETENT, Grade.EXCELLENT)
    with pytest.raises(Invalid):
        grade_rules.decide_appeal(grades, "s-99", Grade.EXCELLENT, "who", "center:c")
    with pytest.raises(Invalid):
        grade_rules.decide_appeal(grades, "s-2", Grade.EXCELLENT, " ", "center:c")


CHANGES = st.lists(st.tuples(st.integers(0, 199), st.sampled_from(Grade)), max_size=25)


@given(st.integers(0, 200), st.data())
def test_a_finalised_cycle_never_has_more_than_a_fifth_excellent(
    n: int, data: st.DataObject
) -> None:
    ids = [f"s-{i}" for i in range(n)]
    totals = data.draw(st.lists(RANKED, min_size=n, max_size=n))
    grades = grade_rules.propose(
        SCHEME, [replace(r, staff_id=i) for r, i in zip(totals, ids, strict=True)]
    )
    for index, after in data.draw(CHANGES) if n else []:
        staff_id = ids[index % n]
        if after is grades[staff_id]:
            continue
        change = grade_rules.calibrate(
            CycleState.SCORED, staff_id, grades[staff_id], after, "c", "c"
        )
        grades[staff_id] = change.after
    try:
        quota_rules.check_finalise(list(grades.values()))
    except RuleViolation:  # the center calibrates down until the cycle can be finalised
        for staff_id in sorted(excellent(grades))[quota_rules.quota(n) :]:
            grades[staff_id] = grade_rules.calibrate(
                CycleState.SCORED, staff_id, Grade.EXCELLENT, Grade.COMPETENT, "quota", "c"
            ).after
        quota_rules.check_finalise(list(grades.values()))
    assert len(excellent(grades)) <= quota_rules.quota(n)
    finalised = date(2026, 1, 15)
    for index, after in data.draw(CHANGES) if n else []:
        staff_id = ids[index % n]
        grade_rules.check_appeal(CycleState.FINALISED, finalised, finalised, "appeal", False)
        try:
            grades[staff_id] = grade_rules.decide_appeal(grades, staff_id, after, "d", "c").after
        except RuleViolation:
            assert after is Grade.EXCELLENT
        assert len(excellent(grades)) <= quota_rules.quota(n)


# --- consequences (EQ-3.2.2d) and the unit target (EQ-3.2.2b) --------------------------------


def test_incompetent_loses_the_awards_and_excellent_has_priority_for_promotion() -> None:
    incompetent = grade_rules.consequence(Grade.INCOMPETENT)
    assert not incompetent.award_eligible and not incompetent.promotion_priority
    assert "EQ-3.2.2d" in incompetent.note
    best = grade_rules.consequence(Grade.EXCELLENT)
    assert best.award_eligible and best.promotion_priority
    for grade in (Grade.COMPETENT, Grade.BASIC):
        assert grade_rules.consequence(grade) == grade_rules.Consequence(
            True, False, f"{grade}: on the personal record (EQ-3.2.2d)"
        )


def test_a_units_windows_count_in_its_target_at_their_weight() -> None:
    got = score_rules.contribution("tj-hexi", [D("80"), D("70.55")], D("0.05"))
    assert got == score_rules.Contribution("tj-hexi", 2, D("75.28"), D("0.05"), D("3.76"))
    none = score_rules.contribution("tj-hexi", [], D("0.1"))
    assert (none.windows, none.window_average, none.points) == (0, 0, 0)
    with pytest.raises(RuleViolation) as light:
        score_rules.contribution("tj-hexi", [D("80")], D("0.0499"))
    assert light.value.rule == "EQ-3.2.2b"


# --- the share of the year served -----------------------------------------------------------


def test_the_share_served_counts_each_day_of_the_year_once() -> None:
    share = rules.served_share
    assert share(2025, [(date(2020, 3, 1), None)]) == 1
    assert share(2025, [(date(2025, 7, 1), None)]) == Fraction(184, 365)
    assert share(2025, [(date(2025, 1, 1), date(2025, 1, 2))]) == Fraction(1, 365)
    assert share(2024, [(date(2024, 1, 1), date(2024, 3, 1))]) == Fraction(60, 366)
    overlapping = [
        (date(2025, 1, 1), date(2025, 2, 1)),
        (date(2025, 1, 15), date(2025, 3, 1)),
        (date(2025, 2, 1), date(2025, 2, 10)),
        (date(2025, 12, 1), date(2026, 6, 1)),
    ]
    assert share(2025, overlapping) == Fraction(59 + 31, 365)
    assert share(2025, [(date(2024, 1, 1), date(2025, 1, 1)), (date(2026, 1, 1), None)]) == 0
    assert share(2025, []) == 0
    with pytest.raises(Invalid) as backwards:
        share(2025, [(date(2025, 5, 1), date(2025, 4, 1))])
    assert "ends_on" in backwards.value.errors


@given(st.lists(st.tuples(DAYS, st.one_of(st.none(), DAYS)), max_size=6))
def test_the_share_served_is_the_days_covered(periods: list[tuple[date, date | None]]) -> None:
    periods = [(s, e) for s, e in periods if e is None or e >= s]
    days = {
        date.fromordinal(d)
        for s, e in periods
        for d in range(s.toordinal(), (e or date(2026, 1, 1)).toordinal())
    }
    assert rules.served_share(2025, periods) == Fraction(len(days), 365)
