"""The rule engine that proposes sanctions (TJ-8.1, TJ-8.2) and accountability (TJ-8.3), with no
I/O: each trigger at its thresholds, and the same facts never proposed twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.inspection.domain import accountability as accountability_rules
from services.inspection.domain import local_rules as local_rule_checks
from services.inspection.domain import proposals as rules
from services.inspection.domain.accountability import Basis
from services.inspection.domain.proposals import (
    Complaint,
    Facts,
    Finding,
    MonthRanking,
    Order,
    Place,
    Rule,
)
from shared.errors import Invalid, RuleViolation

TODAY = date(2026, 11, 23)
COMPLAINTS = Rule(
    "LR-COMPLAINTS-30D",
    1,
    "concentrated_complaints",
    {"complaints": 3, "days": 30},
    "suspension",
    "TJ-8.2",
)
SERIOUS = Rule("LR-SERIOUS-FINDING", 1, "serious_finding", {"days": 30}, "suspension", "TJ-8.2")
LAST = Rule("LR-LAST-2-MONTHS", 1, "ranked_last", {"months": 2}, "interview", "TJ-8.1")
OVERDUE = Rule("LR-ORDER-OVERDUE", 1, "order_overdue", {}, "termination", "TJ-8.2")
NONE: frozenset[str] = frozenset()


def upheld(*days_ago: int, window: int = 7) -> list[Complaint]:
    return [Complaint(i + 1, window, TODAY - timedelta(days=d)) for i, d in enumerate(days_ago)]


def test_n_minus_one_upheld_complaints_propose_nothing_and_n_propose_suspension() -> None:
    assert rules.evaluate(COMPLAINTS, Facts(complaints=upheld(1, 2)), TODAY, NONE) == []
    [made] = rules.evaluate(COMPLAINTS, Facts(complaints=upheld(1, 2, 3)), TODAY, NONE)
    assert (made.window_id, made.complaints, made.rule.proposes) == (7, (1, 2, 3), "suspension")
    assert "LR-COMPLAINTS-30D v1" in made.reason and "TJ-8.2" in made.reason


def test_only_complaints_decided_within_the_last_m_days_count() -> None:
    # 29 days ago is inside the 30-day window; 30 days ago is outside it.
    assert rules.evaluate(COMPLAINTS, Facts(complaints=upheld(0, 10, 29)), TODAY, NONE)
    assert not rules.evaluate(COMPLAINTS, Facts(complaints=upheld(0, 10, 30)), TODAY, NONE)


def test_complaints_about_different_windows_are_not_concentrated() -> None:
    spread = [Complaint(1, 7, TODAY), Complaint(2, 7, TODAY), Complaint(3, 8, TODAY)]
    assert rules.evaluate(COMPLAINTS, Facts(complaints=spread), TODAY, NONE) == []


def test_a_complaint_counted_once_does_not_count_again() -> None:
    facts = Facts(complaints=upheld(1, 2, 3, 4))
    [first] = rules.evaluate(COMPLAINTS, facts, TODAY, NONE)
    assert rules.evaluate(COMPLAINTS, facts, TODAY, first.tokens) == []


def test_an_inactive_rule_proposes_nothing() -> None:
    off = Rule(**{**COMPLAINTS.__dict__, "active": False})
    assert rules.evaluate(off, Facts(complaints=upheld(1, 2, 3)), TODAY, NONE) == []


def test_only_a_serious_finding_proposes_suspension() -> None:
    found = [
        Finding(1, 7, "major", TODAY),
        Finding(2, 8, "serious", TODAY - timedelta(days=29)),
        Finding(3, 9, "serious", TODAY - timedelta(days=30)),
    ]
    [made] = rules.evaluate(SERIOUS, Facts(findings=found), TODAY, NONE)
    assert (made.window_id, made.findings) == (8, (2,))


def ranking(month: str, last: frozenset[int], rated: int = 3) -> MonthRanking:
    """Five windows, each rated `rated` times, those in `last` sharing the last rank."""
    ahead = sorted(set(range(1, 6)) - last)
    places = [Place(w, rank, rated) for rank, w in enumerate(ahead, start=1)]
    places += [Place(w, len(ahead) + 1, rated) for w in sorted(last)]
    return MonthRanking(month, tuple(places))


def months(*last: tuple[str, frozenset[int]]) -> list[MonthRanking]:
    return [ranking(month, windows) for month, windows in last]


def test_ranked_last_k_months_running_proposes_an_interview() -> None:
    two = months(
        ("2026-09", frozenset({3})), ("2026-10", frozenset({4})), ("2026-11", frozenset({4}))
    )
    [made] = rules.evaluate(LAST, Facts(rankings=two), TODAY, NONE)
    assert (made.window_id, made.facts) == (4, {"months": ["2026-10", "2026-11"]})
    assert made.rule.proposes == "interview"


def test_last_in_months_that_do_not_run_or_not_in_the_latest_proposes_nothing() -> None:
    gap = months(("2026-09", frozenset({4})), ("2026-11", frozenset({4})))  # October missing
    assert rules.evaluate(LAST, Facts(rankings=gap), TODAY, NONE) == []
    once = months(("2026-10", frozenset({3})), ("2026-11", frozenset({4})))
    assert rules.evaluate(LAST, Facts(rankings=once), TODAY, NONE) == []
    earlier = months(
        ("2026-09", frozenset({4})), ("2026-10", frozenset({4})), ("2026-11", frozenset({5}))
    )
    assert rules.evaluate(LAST, Facts(rankings=earlier), TODAY, NONE) == []


def test_a_ranking_of_one_window_has_no_last_place() -> None:
    alone = [MonthRanking(m, (Place(4, 1, 3),)) for m in ("2026-10", "2026-11")]
    assert rules.evaluate(LAST, Facts(rankings=alone), TODAY, NONE) == []
    tied = [MonthRanking(m, (Place(4, 1, 3), Place(5, 1, 3))) for m in ("2026-10", "2026-11")]
    assert rules.evaluate(LAST, Facts(rankings=tied), TODAY, NONE) == []


def test_a_window_nobody_rated_is_not_ranked_last() -> None:
    """The ranking lists unrated windows last; the rule looks past them to the worst-rated."""
    rated = (Place(1, 1, 4), Place(2, 2, 3))
    unrated = (Place(3, 3, 0), Place(4, 3, 0))
    two = [MonthRanking(m, rated + unrated) for m in ("2026-10", "2026-11")]
    [made] = rules.evaluate(LAST, Facts(rankings=two), TODAY, NONE)
    assert made.window_id == 2
    strict = Rule(**{**LAST.__dict__, "params": {"months": 2, "min_evaluations": 4}})
    assert rules.evaluate(strict, Facts(rankings=two), TODAY, NONE) == []  # only one left
    assert local_rule_checks.check_params("ranked_last", {"months": 2}) == {
        "months": 2,
        "min_evaluations": 1,
    }


def test_ranked_last_months_used_once_then_k_new_months_are_needed() -> None:
    three = months(*((m, frozenset({4})) for m in ("2026-09", "2026-10", "2026-11")))
    [made] = rules.evaluate(LAST, Facts(rankings=three[:2]), TODAY, NONE)
    assert rules.evaluate(LAST, Facts(rankings=three), TODAY, made.tokens) == []
    four = [*three, ranking("2026-12", frozenset({4}))]
    [again] = rules.evaluate(LAST, Facts(rankings=four), TODAY, made.tokens)
    assert again.facts == {"months": ["2026-11", "2026-12"]}


def test_a_month_before_january_is_december() -> None:
    assert rules.month_before("2027-01") == "2026-12"


def test_termination_is_proposed_only_past_the_deadline() -> None:
    due_today = Order(1, 7, TODAY, findings=(5,))
    missed = Order(2, 8, TODAY - timedelta(days=1), complaints=(9,))
    [made] = rules.evaluate(OVERDUE, Facts(orders=[due_today, missed]), TODAY, NONE)
    assert (made.window_id, made.complaints, made.facts["order_id"]) == (8, (9,), 2)


def test_termination_and_suspension_rest_only_on_their_tj_8_2_grounds() -> None:
    with pytest.raises(RuleViolation, match=r"TJ-8\.2") as refused:
        local_rule_checks.check_proposes("ranked_last", "termination", None)
    assert "proposes" in refused.value.errors
    with pytest.raises(RuleViolation, match=r"TJ-8\.2"):
        local_rule_checks.check_proposes("concentrated_complaints", "termination", None)
    with pytest.raises(RuleViolation, match=r"TJ-8\.2"):
        local_rule_checks.check_proposes("ranked_last", "suspension", None)
    with pytest.raises(RuleViolation, match=r"TJ-8\.1"):
        local_rule_checks.check_proposes("ranked_last", "interview", "TJ-8.2")
    assert local_rule_checks.check_proposes("order_overdue", "termination", None) == "TJ-8.2"
    assert local_rule_checks.check_proposes("ranked_last", "interview", "TJ-8.1") == "TJ-8.1"


def test_parameters_are_whole_numbers_in_range_with_defaults() -> None:
    assert local_rule_checks.check_params("concentrated_complaints", {"days": 14}) == {
        "complaints": 3,
        "days": 14,
    }
    for bad in ({"complaints": 0}, {"days": "30"}, {"days": True}, {"weeks": 2}):
        with pytest.raises(Invalid) as refused:
            local_rule_checks.check_params("concentrated_complaints", bad)
        assert "params" in refused.value.errors


def test_rule_ids_are_lr_ids() -> None:
    assert local_rule_checks.check_rule_id(" lr-last-3 ") == "LR-LAST-3"
    with pytest.raises(Invalid):
        local_rule_checks.check_rule_id("TJ-8.2")


def test_a_suspended_or_ended_window_is_not_proposed_for_suspension() -> None:
    assert rules.fits_window("suspension", "active")
    assert not rules.fits_window("suspension", "suspended")
    assert rules.fits_window("termination", "suspended")
    assert not rules.fits_window("interview", "terminated")


@given(
    st.lists(
        st.tuples(st.integers(1, 40), st.integers(1, 3), st.integers(0, 45)),
        unique_by=lambda t: t[0],
        max_size=30,
    ),
    st.integers(1, 4),
    st.integers(1, 40),
)
def test_the_same_facts_are_never_proposed_twice(
    raw: list[tuple[int, int, int]], n: int, days: int
) -> None:
    """Sweeping again and again, with the facts of earlier proposals remembered, makes each
    complaint part of one proposal at most, and each key once."""
    rule = Rule(
        "LR-X",
        1,
        "concentrated_complaints",
        {"complaints": n, "days": days},
        "suspension",
        "TJ-8.2",
    )
    facts = Facts(complaints=[Complaint(i, w, TODAY - timedelta(days=d)) for i, w, d in raw])
    used: frozenset[str] = frozenset()
    keys: list[str] = []
    counted: list[int] = []
    for _ in range(3):
        for made in rules.evaluate(rule, facts, TODAY, used):
            keys.append(made.dedupe_key)
            counted.extend(made.complaints)
            assert len(made.complaints) >= n
            used |= made.tokens
    assert len(keys) == len(set(keys))
    assert len(counted) == len(set(counted))


def test_dedupe_keys_fit_their_column() -> None:
    key = rules.dedupe_key("LR-X", 1, {f"complaint:{i}" for i in range(500)})
    assert len(key) <= 200 and key.startswith("LR-X:window-1:")


def basis(**changes: object) -> Basis:
    values: dict[str, object] = {
        "kind": "complaint",
        "id": 1,
        "window_id": 7,
        "staff_id": "s-zhang",
        "standing": True,
        "misconduct": "buck_passing",
    }
    return Basis(**{**values, **changes})  # type: ignore[arg-type]


def test_accountability_is_for_the_three_misconducts_of_tj_8_3() -> None:
    assert accountability_rules.check_misconduct("abuse_of_power") == "abuse_of_power"
    with pytest.raises(RuleViolation, match=r"TJ-8\.3") as refused:
        accountability_rules.check_misconduct("rudeness")
    assert "kind" in refused.value.errors


def test_accountability_rests_on_standing_facts_about_the_staff_member() -> None:
    assert (
        accountability_rules.check_basis(
            "s-zhang", [basis(), basis(kind="finding", id=2, misconduct=None)]
        )
        == 7
    )
    for bad in (
        basis(staff_id="s-li"),
        basis(standing=False),
        basis(misconduct=None),
        basis(kind="finding", standing=False),
    ):
        with pytest.raises(RuleViolation, match=r"TJ-8\.3"):
            accountability_rules.check_basis("s-zhang", [bad])
    with pytest.raises(Invalid):
        accountability_rules.check_basis("s-zhang", [])
    with pytest.raises(Invalid):
        accountability_rules.check_basis("s-zhang", [basis(), basis(id=2, window_id=8)])


def test_an_outcome_is_decided_only_with_the_district() -> None:
    with pytest.raises(RuleViolation, match=r"TJ-8\.3"):
        accountability_rules.check_heard(None, 1)
    accountability_rules.check_heard("同意", 1)
    assert not accountability_rules.sanctions("no_fault") and accountability_rules.sanctions(
        "warning"
    )
