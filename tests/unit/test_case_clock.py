"""The case clock (EQ-4.4c) in working days, against the known bugs of other systems."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.domain.clock import Pause, due_date, workdays_left
from shared.workdays import HallCalendar

CAL = HallCalendar()
days_2025_2026 = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 6, 30))
limits = st.integers(min_value=0, max_value=30)


@settings(max_examples=200, deadline=None)
@given(accepted=days_2025_2026, limit=limits, extension=st.integers(0, 10))
def test_a_due_date_is_always_a_working_day(accepted: date, limit: int, extension: int) -> None:
    assert CAL.is_workday(due_date(CAL, accepted, limit, extension_days=extension))


@settings(max_examples=200, deadline=None)
@given(
    accepted=days_2025_2026,
    limit=st.integers(1, 30),
    start=st.integers(0, 20),
    length=st.integers(0, 20),
)
def test_pause_then_resume_never_shortens_the_due_date(
    accepted: date, limit: int, start: int, length: int
) -> None:
    before = due_date(CAL, accepted, limit)
    paused_on = accepted + timedelta(days=start)
    pause = Pause(paused_on, paused_on + timedelta(days=length))
    after = due_date(CAL, accepted, limit, pauses=(pause,))
    assert after >= before
    # Exactly the working days the applicant held the case are added, no more.
    assert CAL.workdays_between(before, after) == CAL.workdays_between(
        pause.started_on, pause.ended_on or paused_on
    )


@settings(max_examples=200, deadline=None)
@given(accepted=days_2025_2026, limit=st.integers(1, 30), extension=st.integers(1, 15))
def test_an_extension_of_n_adds_exactly_n_working_days(
    accepted: date, limit: int, extension: int
) -> None:
    before = due_date(CAL, accepted, limit)
    after = due_date(CAL, accepted, limit, extension_days=extension)
    assert CAL.workdays_between(before, after) == extension


def test_a_pause_over_a_weekend_counts_working_days_only() -> None:
    # Materials asked for on Friday 2026-03-06, supplied on Monday 2026-03-09: one working day.
    accepted = date(2026, 3, 2)  # Monday
    plain = due_date(CAL, accepted, 10)
    assert plain == date(2026, 3, 16)
    paused = due_date(CAL, accepted, 10, pauses=(Pause(date(2026, 3, 6), date(2026, 3, 9)),))
    assert paused == date(2026, 3, 17)  # not 2026-03-19 (wall-clock days) nor unchanged


def test_spring_festival_does_not_count() -> None:
    # Accepted Friday 2026-02-13, 5 working days: the Spring Festival holiday (2026-02-15 to
    # 2026-02-23) stops the clock; 2026-02-14 and 2026-02-28 are make-up working days.
    due = due_date(CAL, date(2026, 2, 13), 5)
    assert due == CAL.add_workdays(date(2026, 2, 13), 5)
    assert all(CAL.is_workday(d) for d in [due])
    assert (due - date(2026, 2, 13)).days > 7


def test_an_open_pause_runs_until_today_and_the_clock_counts_down() -> None:
    accepted = date(2026, 3, 2)
    open_pause = (Pause(date(2026, 3, 4)),)
    assert due_date(CAL, accepted, 10, pauses=open_pause, today=date(2026, 3, 6)) == date(
        2026, 3, 18
    )
    assert workdays_left(CAL, date(2026, 3, 13), date(2026, 3, 16)) == 1
    assert workdays_left(CAL, date(2026, 3, 17), date(2026, 3, 16)) == -1


def test_on_the_spot_cases_are_due_the_same_working_day() -> None:
    assert due_date(CAL, date(2026, 3, 2), 0) == date(2026, 3, 2)
    assert due_date(CAL, date(2026, 3, 7), 0) == date(2026, 3, 9)  # accepted on a Saturday
