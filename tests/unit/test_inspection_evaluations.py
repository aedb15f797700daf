"""Satisfaction evaluations (TJ-7.5) as plain rules: levels and bad reviews, the callback contact,
rectification in working days with its callback first, appeals, months and the ranking."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.inspection.contracts.evaluations import EVALUATION_LEVELS
from services.inspection.domain import evaluations as rules
from services.inspection.domain.evaluations import (
    AppealStatus,
    Level,
    Rectification,
    Source,
    TaskStatus,
    WindowMonth,
)
from shared.errors import Conflict, Invalid, RuleViolation
from shared.workdays import HallCalendar

CALENDAR = HallCalendar()  # chinese-calendar's 2026: 1–7 October off, Saturday the 10th worked
OPENED = datetime(2026, 11, 20, 2, tzinfo=UTC)
NOW = OPENED + timedelta(hours=3)


def task(**changes: Any) -> Rectification:
    return replace(Rectification(TaskStatus.OPEN, date(2026, 11, 27), OPENED), **changes)


def called() -> Rectification:
    return rules.record_callback(task(), NOW, "王芳", "apologised", NOW)


def test_five_levels_score_five_to_one_and_the_two_lowest_are_bad() -> None:
    assert [level.value for level in Level] == EVALUATION_LEVELS  # the published contract
    assert [level.score for level in Level] == [5, 4, 3, 2, 1]
    assert [level for level in Level if level.bad] == [Level.DISSATISFIED, Level.VERY_DISSATISFIED]
    with pytest.raises(Invalid) as refused:
        rules.level_of("meh")
    assert "level" in refused.value.errors


def test_a_bad_review_names_whom_to_call_back_tj_7_5() -> None:
    for level in (Level.DISSATISFIED, Level.VERY_DISSATISFIED):
        with pytest.raises(RuleViolation) as refused:
            rules.contact_for(level, None, " ")
        assert refused.value.rule == "TJ-7.5"
        assert sorted(refused.value.errors) == ["applicant_name", "applicant_phone"]
    with pytest.raises(RuleViolation) as no_phone:
        rules.contact_for(Level.DISSATISFIED, "李娜", None)
    assert list(no_phone.value.errors) == ["applicant_phone"]
    contact = rules.contact_for(Level.VERY_DISSATISFIED, " 李娜 ", "138-1234 5678")
    assert contact == rules.Contact("李娜", "13812345678")
    assert rules.contact_for(Level.SATISFIED, None, None) is None  # a good review may be anonymous
    assert rules.contact_for(Level.SATISFIED, "李娜", "022 2345 6789") is not None


def test_a_contact_is_a_name_with_a_reachable_phone() -> None:
    for phone in ("12", "23812345678", "1381234567x"):
        with pytest.raises(Invalid) as refused:
            rules.contact_for(Level.DISSATISFIED, "李娜", phone)
        assert list(refused.value.errors) == ["applicant_phone"]
    with pytest.raises(Invalid) as half:
        rules.contact_for(Level.SATISFIED, None, "13812345678")
    assert list(half.value.errors) == ["applicant_name"]


def test_the_contact_is_masked_but_to_the_unit_and_the_center() -> None:
    assert rules.mask_name("李娜") == "李*" and rules.mask_name("张三丰") == "张**"
    assert rules.mask_phone("13812345678") == "138****5678"
    assert rules.mask_phone("02223456789") == "022****6789"
    assert rules.sees_contact("center", None, "tj-hexi")
    assert rules.sees_contact("unit", "tj-hexi", "tj-hexi")
    assert not rules.sees_contact("unit", "tj-nankai", "tj-hexi")
    assert not any(rules.sees_contact(r, None, "tj-hexi") for r in ("authority", "inspector"))


def test_rectification_is_due_in_working_days() -> None:
    friday = date(2026, 11, 20)
    assert rules.rectification_due(CALENDAR, friday, 5) == date(2026, 11, 27)
    assert rules.rectification_due(CALENDAR, friday, 3) == date(2026, 11, 25)
    # Over National Day the make-up Saturday counts: 8, 9, 10, 12, 13 October.
    assert rules.rectification_due(CALENDAR, date(2026, 9, 30), 5) == date(2026, 10, 13)
    # A review on a day off counts from the next working day, itself included.
    assert rules.rectification_due(CALENDAR, date(2026, 11, 21), 1) == date(2026, 11, 23)


def test_the_deadline_is_configurable_within_reason() -> None:
    assert rules.rectification_days(None) == rules.rectification_days(" ") == 5
    assert rules.rectification_days("10") == 10
    for wrong in ("five", "0", "61", "-3"):
        with pytest.raises(ValueError, match="BAD_REVIEW_RECTIFICATION_DAYS"):
            rules.rectification_days(wrong)


def test_the_callback_comes_before_the_report_tj_7_5() -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.report(task(), "fixed")
    assert refused.value.rule == "TJ-7.5" and list(refused.value.errors) == ["callback"]
    done = called()
    assert done.callback == rules.Callback(NOW, "王芳", "apologised")
    reported = rules.report(done, " new checklist ")
    assert (reported.status, reported.summary) == (TaskStatus.REPORTED, "new checklist")
    with pytest.raises(RuleViolation):  # nor may the center close a task nobody called back
        rules.review(task(status=TaskStatus.REPORTED), True, "")


def test_a_callback_is_recorded_once_after_it_happened() -> None:
    with pytest.raises(Invalid) as future:
        rules.record_callback(task(), NOW + timedelta(hours=1), "王芳", "ok", NOW)
    assert list(future.value.errors) == ["called_at"]
    skewed = rules.record_callback(task(), NOW + timedelta(minutes=2), "王芳", "ok", NOW)
    assert skewed.callback is not None  # a caller's clock a little ahead is not the future
    with pytest.raises(Invalid):
        rules.record_callback(task(), OPENED - timedelta(minutes=1), "王芳", "ok", NOW)
    for by, outcome, field in (("", "ok", "by"), ("王芳", " ", "outcome")):
        with pytest.raises(Invalid) as missing:
            rules.record_callback(task(), NOW, by, outcome, NOW)
        assert list(missing.value.errors) == [field]
    with pytest.raises(Conflict):
        rules.record_callback(called(), NOW, "王芳", "again", NOW)
    with pytest.raises(Conflict):
        rules.record_callback(task(status=TaskStatus.CLOSED), NOW, "王芳", "late", NOW)


def test_the_center_closes_a_report_or_reopens_it_with_the_reason() -> None:
    reported = rules.report(called(), "fixed")
    assert rules.review(reported, True, "").status is TaskStatus.CLOSED
    with pytest.raises(Invalid) as why:
        rules.review(reported, False, " ")
    assert list(why.value.errors) == ["note"]
    reopened = rules.review(reported, False, "train the staff too")
    assert (reopened.status, reopened.note) == (TaskStatus.OPEN, "train the staff too")
    assert reopened.callback is not None  # the callback made stands
    with pytest.raises(Conflict):
        rules.review(reopened, True, "")  # only a report is reviewed
    with pytest.raises(Conflict):
        rules.report(reported, "twice")


def test_an_open_task_past_its_deadline_is_overdue_once() -> None:
    due = date(2026, 11, 27)
    assert not rules.overdue(TaskStatus.OPEN, due, due, flagged=False)  # the last day is in time
    assert rules.overdue(TaskStatus.OPEN, due, due + timedelta(days=1), flagged=False)
    assert not rules.overdue(TaskStatus.OPEN, due, due + timedelta(days=1), flagged=True)
    for done in (TaskStatus.REPORTED, TaskStatus.CLOSED, TaskStatus.WITHDRAWN):
        assert not rules.overdue(done, due, due + timedelta(days=9), flagged=False)


def test_only_the_publics_bad_reviews_are_appealed_tj_7_5() -> None:
    for level, source in (
        (Level.BASICALLY_SATISFIED, Source.PUBLIC),
        (Level.DISSATISFIED, Source.UNIT),
    ):
        with pytest.raises(RuleViolation) as refused:
            rules.check_appealable(level, source, voided=False)
        assert refused.value.rule == "TJ-7.5"
    rules.check_appealable(Level.DISSATISFIED, Source.PUBLIC, voided=False)
    with pytest.raises(Conflict):
        rules.check_appealable(Level.VERY_DISSATISFIED, Source.PUBLIC, voided=True)
    with pytest.raises(Invalid):
        rules.check_appeal("  ")


def test_the_center_decides_an_appeal_once_with_reasons() -> None:
    assert rules.decide_appeal(AppealStatus.PENDING, True, "shown") is AppealStatus.UPHELD
    assert rules.decide_appeal(AppealStatus.PENDING, False, "no") is AppealStatus.DISMISSED
    with pytest.raises(Invalid):
        rules.decide_appeal(AppealStatus.PENDING, True, "")
    with pytest.raises(Conflict):
        rules.decide_appeal(AppealStatus.UPHELD, False, "changed my mind")
    assert rules.withdraw(task()) == task(status=TaskStatus.WITHDRAWN)
    assert rules.withdraw(task(status=TaskStatus.CLOSED)) is None  # a closed task stays closed


def test_months() -> None:
    assert rules.month_span("2026-11") == (date(2026, 11, 1), date(2026, 12, 1))
    assert rules.month_span("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    assert rules.previous_month(date(2027, 1, 1)) == "2026-12"
    for wrong in ("2026-13", "2026-1", "Nov 2026"):
        with pytest.raises(Invalid):
            rules.month_span(wrong)
    assert rules.check_period("2026-11", date(2026, 11, 1)) == "2026-11"
    with pytest.raises(Invalid):
        rules.check_period("2026-12", date(2026, 11, 30))
    assert rules.check_month_over("2026-11", date(2026, 12, 1)) == "2026-11"
    with pytest.raises(Invalid) as early:
        rules.check_month_over("2026-11", date(2026, 11, 30))
    assert list(early.value.errors) == ["month"]


def test_windows_rank_by_mean_then_bad_reviews_then_complaints_then_evidence() -> None:
    windows = [
        WindowMonth(1, evaluations=2, score_sum=9),  # 4.5
        WindowMonth(2, evaluations=2, score_sum=9, upheld_complaints=1),
        WindowMonth(3, evaluations=4, score_sum=18),  # 4.5 on more evaluations
        WindowMonth(4, evaluations=3, score_sum=14, bad_reviews=0),  # 4.67
        WindowMonth(5),  # nobody evaluated it
        WindowMonth(6, evaluations=2, score_sum=9),  # ties with 1 on everything
        WindowMonth(7, evaluations=2, score_sum=6, bad_reviews=1),  # 3
        WindowMonth(8, evaluations=3, score_sum=9, bad_reviews=2),  # 3, more bad reviews
    ]
    placed = rules.rank(windows)
    assert [(p.window.window_id, p.rank) for p in placed] == [
        (4, 1),
        (3, 2),
        (1, 3),
        (6, 3),
        (2, 5),
        (7, 6),
        (8, 7),
        (5, 8),
    ]
    assert [p.position for p in placed] == list(range(1, 9))
    assert rules.mean_shown(Fraction(14, 3)) == Decimal("4.67")
    assert rules.mean_shown(Fraction(9, 2)) == Decimal("4.50") and rules.mean_shown(None) is None


MONTHS = st.builds(
    lambda window_id, n, s, bad, complaints: WindowMonth(
        window_id, n, min(max(s, n), 5 * n), min(bad, n), complaints
    ),
    st.integers(1, 10_000),
    st.integers(0, 6),
    st.integers(0, 30),
    st.integers(0, 6),
    st.integers(0, 3),
)


@given(st.lists(MONTHS, unique_by=lambda w: w.window_id, max_size=30))
def test_a_rank_is_one_more_than_the_windows_strictly_ahead(windows: list[WindowMonth]) -> None:
    placed = rules.rank(windows)
    assert sorted(p.window.window_id for p in placed) == sorted(w.window_id for w in windows)
    assert [p.position for p in placed] == list(range(1, len(windows) + 1))
    for p in placed:
        ahead = [q for q in placed if rules.standing(q.window) < rules.standing(p.window)]
        assert p.rank == len(ahead) + 1
    assert rules.rank(list(reversed(windows))) == placed  # the order given does not matter


def test_every_refusal_of_evaluations_names_its_field_and_rule() -> None:
    from services.inspection.handlers import bad_reviews, evaluations, rankings
    from tests.unit.test_inspection_draws import unnamed_refusals

    for module in (rules, evaluations, bad_reviews, rankings):
        assert unnamed_refusals(module) == [], module.__name__
