"""Absences and cover (EQ-3.2.5), rotation and swaps (EQ-3.2.3), forced returns (EQ-3.2.4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from services.staffing.domain import absences, rotation
from services.staffing.domain.absences import Absence, AbsenceStatus, Cover
from services.staffing.domain.posts import Seat
from services.staffing.domain.rotation import Decision, Holding, Kind
from services.staffing.domain.staff import Employment, StaffMember
from shared.errors import Conflict, Invalid, RuleViolation
from shared.workdays import HallCalendar

CALENDAR = HallCalendar()  # chinese-calendar's 2026: 1–5 May off, Saturday 9 May worked
FRIDAY, SATURDAY, MONDAY = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23)
SEAT = Seat(1, "受理 Acceptance", 7, "a", "b")


def reported(starts: date, ends: date | None = None, on: date = FRIDAY) -> Absence:
    return absences.report(CALENDAR, "a", starts, ends or starts, "hospital", on)


def test_one_working_day_of_notice_counts_working_days() -> None:
    assert not reported(MONDAY).late  # Friday for Monday: the next working day
    assert reported(FRIDAY).late  # the same day
    assert not reported(MONDAY, on=SATURDAY).late  # nothing was missed in between
    assert reported(MONDAY, on=MONDAY).late
    assert reported(date(2026, 11, 19)).late  # told afterwards
    # Over the May holidays: the 6th is the first working day after the 30th of April.
    assert not reported(date(2026, 5, 6), on=date(2026, 4, 30)).late
    assert reported(date(2026, 5, 6), on=date(2026, 5, 6)).late
    # A make-up working Saturday is a working day: Friday for it is enough notice.
    assert not reported(date(2026, 5, 9), on=date(2026, 5, 8)).late
    assert reported(date(2026, 5, 9), on=date(2026, 5, 9)).late


def test_an_absence_counts_from_its_first_working_day() -> None:
    assert not reported(date(2026, 11, 22), MONDAY).late  # Sunday to Monday, told Friday
    assert reported(date(2026, 11, 22), MONDAY, on=MONDAY).late


def test_an_absence_has_dates_in_order_and_a_reason() -> None:
    with pytest.raises(Invalid):
        reported(MONDAY, FRIDAY)
    with pytest.raises(Invalid):
        absences.report(CALENDAR, "a", MONDAY, MONDAY, " ", FRIDAY)
    first = reported(MONDAY, date(2026, 11, 25))
    with pytest.raises(Conflict) as twice:
        absences.check_not_reported_twice(reported(date(2026, 11, 24)), [first])
    assert twice.value.rule == "EQ-3.2.5" and "starts_on" in twice.value.errors
    absences.check_not_reported_twice(
        reported(date(2026, 11, 24)), [replace(first, status=AbsenceStatus.REJECTED)]
    )


def test_the_chief_representative_or_deputy_decides() -> None:
    absences.check_decider("chief", "deputy", "chief", "a")
    absences.check_decider("chief", "deputy", "deputy", "a")
    for chief, decider, absent in (
        (None, "chief", "a"),  # no chief representative
        ("chief", "b", "a"),  # B is not the chief
        ("chief", "chief", "chief"),  # the chief's own absence
    ):
        with pytest.raises(RuleViolation) as refused:
            absences.check_decider(chief, "deputy", decider, absent)
        assert refused.value.rule == "EQ-3.2.5" and "chief_staff_id" in refused.value.errors


def test_approval_names_b_to_cover_for_a() -> None:
    approved = absences.approve(reported(MONDAY), "chief", SEAT)
    assert approved.status is AbsenceStatus.APPROVED and approved.cover_staff_id == "b"
    b_away = absences.approve(replace(reported(MONDAY), staff_id="b"), "chief", SEAT)
    assert b_away.cover_staff_id is None  # A is there
    with pytest.raises(Conflict):
        absences.reject(approved, "chief")


def test_a_post_with_neither_a_nor_b_present_is_uncovered() -> None:
    assert Cover(SEAT, frozenset()).present == "a"
    covered = Cover(SEAT, frozenset({"a"}))
    assert covered.present == "b" and covered.covering and not covered.uncovered
    assert Cover(SEAT, frozenset({"a", "b"})).uncovered
    assert Cover(replace(SEAT, b=None), frozenset({"a"})).uncovered
    assert not Cover(replace(SEAT, a=None), frozenset()).covering  # no A: B holds it alone


def test_overlapping_approved_absences_of_a_and_b_are_uncovered_days() -> None:
    mine = absences.approve(reported(MONDAY, date(2026, 11, 27)), "chief", SEAT)
    b_away = replace(mine, staff_id="b", starts_on=date(2026, 11, 26), ends_on=date(2026, 12, 1))
    b_asked = replace(b_away, status=AbsenceStatus.REPORTED)
    assert absences.uncovered_spans(mine, True, {9: b_away, 10: b_asked}) == [
        (9, date(2026, 11, 26), date(2026, 11, 27))
    ]
    assert absences.uncovered_spans(mine, False, {}) == [(None, MONDAY, date(2026, 11, 27))]
    assert absences.first_workday(CALENDAR, SATURDAY, date(2026, 11, 22)) is None


def holding(since: date, post_id: int = 1, staff_id: str = "a", role: str = "A") -> Holding:
    return Holding(post_id * 10, staff_id, post_id, role, since)


def test_rotation_comes_after_two_years_on_the_post() -> None:
    effective = date(2026, 12, 1)
    app = rotation.apply(
        Kind.ROTATION,
        holding(date(2024, 12, 1)),
        None,
        to_post_id=2,
        to_role=None,
        applied_on=date(2026, 11, 20),
        effective_on=effective,
        reason="",
    )
    assert rotation.moves(app, holding(date(2024, 12, 1)), None)[0].role == "A"
    with pytest.raises(RuleViolation) as early:
        rotation.check_period(holding(date(2024, 12, 2)), effective)
    assert early.value.rule == "EQ-3.2.3"


def test_a_rotation_names_another_post_and_a_role_a_or_b() -> None:
    def rotate(to_post_id: int | None, to_role: str | None = None) -> Any:
        return rotation.apply(
            Kind.ROTATION,
            holding(date(2024, 1, 1)),
            None,
            to_post_id=to_post_id,
            to_role=to_role,
            applied_on=date(2026, 11, 20),
            effective_on=date(2026, 12, 1),
            reason="",
        )

    for to_post_id, to_role, rule, field in (
        (None, None, "EQ-3.2.3", "to_post_id"),
        (1, None, "EQ-3.2.3", "to_post_id"),  # the post held now
        (2, "C", "EQ-3.2.5", "to_role"),
    ):
        with pytest.raises(RuleViolation) as refused:
            rotate(to_post_id, to_role)
        assert refused.value.rule == rule and list(refused.value.errors) == [field]
    assert rotate(2, "B").to_role == "B"


def test_a_swap_names_another_holder() -> None:
    for other in (None, holding(date(2025, 1, 1))):  # nobody, or oneself
        with pytest.raises(RuleViolation) as refused:
            rotation.apply(
                Kind.SWAP,
                holding(date(2025, 1, 1)),
                other,
                to_post_id=None,
                to_role=None,
                applied_on=date(2026, 1, 1),
                effective_on=date(2026, 3, 1),
                reason="closer to home",
            )
        assert refused.value.rule == "EQ-3.2.3" and "other_staff_id" in refused.value.errors


def swap(applied_on: date, effective_on: date, reason: str = "closer to home") -> Any:
    return rotation.apply(
        Kind.SWAP,
        holding(date(2026, 1, 1)),
        holding(date(2025, 1, 1), post_id=2, staff_id="c", role="B"),
        to_post_id=None,
        to_role=None,
        applied_on=applied_on,
        effective_on=effective_on,
        reason=reason,
    )


def test_a_swap_is_applied_for_in_writing_a_month_ahead() -> None:
    app = swap(date(2026, 1, 31), date(2026, 2, 28))  # a month after the 31st of January
    moves = rotation.moves(app, holding(date(2026, 1, 1)), holding(date(2025, 1, 1), 2, "c", "B"))
    assert [(m.staff_id, m.post_id, m.role) for m in moves] == [("a", 2, "B"), ("c", 1, "A")]
    for applied, effective, reason, field in (
        (date(2026, 1, 31), date(2026, 2, 27), "x", "effective_on"),
        (date(2026, 11, 20), date(2026, 12, 31), " ", "reason"),
    ):
        with pytest.raises(RuleViolation) as refused:
            swap(applied, effective, reason)
        assert refused.value.rule == "EQ-3.2.3" and field in refused.value.errors
    assert rotation.add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)


def test_the_center_decides_once() -> None:
    app = swap(date(2026, 1, 1), date(2026, 3, 1))
    approved = rotation.decide(app, True, "center:x")
    assert approved.status is Decision.APPROVED
    with pytest.raises(Conflict):
        rotation.decide(approved, False, "center:x")


def test_due_after_two_years_and_overdue_after_three() -> None:
    today = date(2026, 11, 20)
    assert rotation.rotation_status(date(2024, 11, 21), today) is None
    assert rotation.rotation_status(date(2024, 11, 20), today) == "due"
    assert rotation.rotation_status(date(2023, 11, 20), today) == "overdue"
    assert rotation.rotation_status(date(2025, 11, 20), today, years=1) == "due"


def member(**changes: Any) -> StaffMember:
    values: dict[str, Any] = {
        "id": "d",
        "unit_code": "tj-hexi",
        "name": "王芳",
        "id_number": "120103199005011234",
        "phone": "13812345678",
        "birth_date": date(1990, 5, 1),
        "employment": Employment.CIVIL_SERVANT,
        "law_enforcement_cert": "津执法 1",
        "work_started_on": date(2015, 7, 1),
        "knows_approval_work": True,
        **changes,
    }
    return StaffMember(**values)


def test_the_center_returns_staff_with_a_reason() -> None:
    with pytest.raises(RuleViolation) as no_reason:
        rotation.force_return(member(), " ")
    assert no_reason.value.rule == "EQ-3.2.4"
    returned = rotation.force_return(member(), "repeated complaints")
    assert returned.status == "returned" and returned.version == 2
    with pytest.raises(Conflict) as again:
        rotation.force_return(returned, "again")
    assert again.value.rule == "EQ-3.2.4" and "staff_id" in again.value.errors


def test_the_replacement_is_another_eligible_member_of_the_same_unit() -> None:
    rotation.check_replacement("a", "tj-hexi", member(), date(2026, 11, 20))
    for candidate in (
        member(id="a"),  # the returned one
        member(unit_code="tj-nankai"),
        member(status="returned"),
    ):
        with pytest.raises(RuleViolation) as refused:
            rotation.check_replacement("a", "tj-hexi", candidate, date(2026, 11, 20))
        assert refused.value.rule == "EQ-3.2.4"


def test_a_missed_replacement_deadline_is_escalated_once() -> None:
    due, after = date(2026, 12, 3), date(2026, 12, 4)
    assert not rotation.replacement_overdue(due, due, named=False, escalated=False)
    assert rotation.replacement_overdue(due, after, named=False, escalated=False)
    assert not rotation.replacement_overdue(due, after, named=True, escalated=False)
    assert not rotation.replacement_overdue(due, after, named=False, escalated=True)
