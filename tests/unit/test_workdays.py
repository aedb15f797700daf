"""The hall's working-day calendar: library data, the hall's file, the Monday–Friday fallback."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.workdays import CalendarFileError, HallCalendar, YearOverrides

# chinese_calendar 1.11.0 is pinned; these are the official 2026 make-up working days (weekends).
MAKEUP_WEEKENDS_2026 = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]


def write_calendar(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "hall-calendar.json"
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return path


def test_national_day_2026_is_not_a_workday() -> None:
    assert date(2026, 10, 1).weekday() == 3  # a Thursday: only the holiday makes it a day off
    assert not HallCalendar().is_workday(date(2026, 10, 1))


@pytest.mark.parametrize("day", MAKEUP_WEEKENDS_2026, ids=str)
def test_2026_weekend_makeup_days_are_workdays(day: date) -> None:
    assert day.weekday() >= 5
    assert HallCalendar().is_workday(day)


def test_2026_weekend_makeup_days_match_the_library() -> None:
    days_2026 = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    makeup = [d for d in days_2026 if d.weekday() >= 5 and chinese_calendar.is_workday(d)]
    assert makeup == MAKEUP_WEEKENDS_2026
    assert all(HallCalendar().is_workday(d) for d in makeup)


def test_spring_festival_2024_makeup_sunday_and_holiday_monday() -> None:
    calendar = HallCalendar()
    assert date(2024, 2, 4).weekday() == 6
    assert calendar.is_workday(date(2024, 2, 4))
    assert date(2024, 2, 12).weekday() == 0
    assert not calendar.is_workday(date(2024, 2, 12))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 2024: Fri 9 Feb (New Year's Eve) was a normal working day; 10–17 Feb off;
        # Sun 18 Feb a make-up working day.
        (date(2024, 2, 9), 1, date(2024, 2, 18)),
        (date(2024, 2, 8), 2, date(2024, 2, 18)),
        (date(2024, 2, 9), 2, date(2024, 2, 19)),
        # 2025: 28 Jan – 4 Feb off; Wed 5 Feb is the first working day after.
        (date(2025, 1, 27), 1, date(2025, 2, 5)),
        # Sat 8 Feb 2025 is a make-up working day, so 3 Feb + 4 lands on it.
        (date(2025, 2, 3), 4, date(2025, 2, 8)),
    ],
    ids=str,
)
def test_add_workdays_across_spring_festival(start: date, n: int, expected: date) -> None:
    assert HallCalendar().add_workdays(start, n) == expected


def test_workdays_between_across_spring_festival_2024() -> None:
    calendar = HallCalendar()
    assert calendar.workdays_between(date(2024, 2, 9), date(2024, 2, 17)) == 0
    assert calendar.workdays_between(date(2024, 2, 9), date(2024, 2, 18)) == 1
    # 8 Feb is excluded (start), 9 and 18 Feb counted.
    assert calendar.workdays_between(date(2024, 2, 8), date(2024, 2, 18)) == 2


def test_weekend_of_a_normal_week_is_not_worked() -> None:
    calendar = HallCalendar()
    week = [date(2024, 3, 4) + timedelta(days=i) for i in range(7)]  # Mon 4 – Sun 10 March
    assert [calendar.is_workday(d) for d in week] == [True] * 5 + [False] * 2
    assert calendar.add_workdays(date(2024, 3, 8), 1) == date(2024, 3, 11)
    assert calendar.add_workdays(date(2024, 3, 4), 1) == date(2024, 3, 5)
    assert calendar.workdays_between(date(2024, 3, 3), date(2024, 3, 10)) == 5


def test_zero_workdays_returns_start_even_on_a_day_off() -> None:
    saturday = date(2024, 3, 9)
    assert HallCalendar().add_workdays(saturday, 0) == saturday


def test_negative_workdays_raise() -> None:
    with pytest.raises(ValueError, match="-1"):
        HallCalendar().add_workdays(date(2024, 3, 4), -1)


def test_workdays_between_is_zero_when_end_not_after_start() -> None:
    calendar = HallCalendar()
    assert calendar.workdays_between(date(2024, 3, 5), date(2024, 3, 5)) == 0
    assert calendar.workdays_between(date(2024, 3, 8), date(2024, 3, 4)) == 0


def test_datetime_is_treated_as_its_date() -> None:
    calendar = HallCalendar({2027: YearOverrides(holidays=frozenset({date(2027, 1, 1)}))})
    assert not calendar.is_workday(datetime(2027, 1, 1, 9, 30))
    assert not calendar.is_workday(datetime(2024, 2, 12, 9, 30))


_CALENDAR = HallCalendar()
# The first look at a year beyond the library loads the `holidays` package's rules: not in a
# timed example.
_CALENDAR.is_workday(date(2027, 1, 1))


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
)
def test_workdays_between_inverts_add_workdays(start: date, n: int) -> None:
    end = _CALENDAR.add_workdays(start, n)
    assert _CALENDAR.workdays_between(start, end) == n
    if n > 0:
        assert _CALENDAR.is_workday(end)
        assert _CALENDAR.workdays_between(start, end - timedelta(days=1)) == n - 1


def test_unknown_year_counts_monday_to_friday_less_the_statutory_holidays() -> None:
    calls: list[int] = []
    calendar = HallCalendar(on_unknown_year=calls.append)
    assert calendar.unknown_years_used == frozenset()

    # 1 Jan 2027 is a Friday and New Year's Day: a statutory holiday in any year.
    days = [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3), date(2027, 1, 4)]
    assert [calendar.is_workday(d) for d in days] == [False, False, False, True]

    assert not calendar.is_known_year(2027)
    assert calendar.unknown_years_used == frozenset({2027})
    assert calls == [2027] * len(days)


def test_known_years_do_not_use_the_fallback() -> None:
    calls: list[int] = []
    calendar = HallCalendar(on_unknown_year=calls.append)
    calendar.add_workdays(date(2026, 1, 1), 200)
    assert calendar.is_known_year(2004)
    assert calendar.is_known_year(2026)
    assert not calendar.is_known_year(2003)
    assert calendar.unknown_years_used == frozenset()
    assert calls == []


def test_file_overrides_are_honoured_for_2027(tmp_path: Path) -> None:
    path = write_calendar(
        tmp_path, {"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-09"]}}
    )
    calls: list[int] = []
    calendar = HallCalendar.from_file(path, on_unknown_year=calls.append)

    assert calendar.is_known_year(2027)
    assert not calendar.is_workday(date(2027, 1, 1))  # a Friday
    assert date(2027, 1, 9).weekday() == 5
    assert calendar.is_workday(date(2027, 1, 9))
    assert not calendar.is_workday(date(2027, 1, 10))  # an ordinary Sunday
    assert calendar.is_workday(date(2027, 1, 11))  # an ordinary Monday
    assert calendar.unknown_years_used == frozenset()
    assert calls == []


def test_file_overrides_win_over_the_library(tmp_path: Path) -> None:
    path = write_calendar(
        tmp_path, {"2026": {"holidays": ["2026-12-31"], "workdays": ["2026-10-01"]}}
    )
    calendar = HallCalendar.from_file(path)
    assert not calendar.is_workday(date(2026, 12, 31))
    assert calendar.is_workday(date(2026, 10, 1))
    assert not calendar.is_workday(date(2026, 10, 2))  # still the library's holiday
    assert calendar.is_workday(date(2026, 10, 10))  # still the library's make-up Saturday


def test_span_from_december_2026_into_2027_without_a_file() -> None:
    calendar = HallCalendar()
    # 12 working days remain in December 2026 after the 15th, then 4–8, 11–13 January.
    assert calendar.add_workdays(date(2026, 12, 15), 20) == date(2027, 1, 13)
    assert calendar.workdays_between(date(2026, 12, 15), date(2027, 1, 13)) == 20
    assert calendar.unknown_years_used == frozenset({2027})


def test_span_from_december_2026_into_2027_with_a_file(tmp_path: Path) -> None:
    path = write_calendar(tmp_path, {"2027": {"holidays": ["2027-01-01"]}})
    calendar = HallCalendar.from_file(path)
    assert calendar.add_workdays(date(2026, 12, 15), 20) == date(2027, 1, 13)
    assert calendar.unknown_years_used == frozenset()


def test_unknown_years_used_from_many_threads() -> None:
    calendar = HallCalendar()
    years = range(2030, 2050)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda y: calendar.add_workdays(date(y, 1, 1), 30), years))
    assert calendar.unknown_years_used == frozenset(years)


def test_missing_file_gives_library_only_calendar(tmp_path: Path) -> None:
    calendar = HallCalendar.from_file(tmp_path / "absent.json")
    assert not calendar.is_known_year(2027)
    assert calendar.is_workday(date(2027, 1, 4))
    assert not calendar.is_workday(date(2024, 2, 12))


def test_none_path_gives_library_only_calendar() -> None:
    calendar = HallCalendar.from_file(None)
    assert not calendar.is_known_year(2027)
    assert calendar.is_workday(date(2024, 2, 4))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"2027": {"holidays": ["2027-13-01"]}}, "holidays[0] = '2027-13-01'"),
        ({"2027": {"holidays": ["2027-01-01", "1 May 2027"]}}, "holidays[1] = '1 May 2027'"),
        ({"2027": {"workdays": ["20270207"]}}, "workdays[0] = '20270207'"),
        ({"2027": {"workdays": [20270207]}}, "workdays[0] = 20270207"),
        ({"2027": {"holidays": ["2028-01-01"]}}, "not in 2027"),
        ({"2027": {"holidays": "2027-01-01"}}, "holidays must be a list"),
        ({"2027": ["2027-01-01"]}, "year 2027: expected an object"),
        ({"2027": {"holiday": ["2027-01-01"]}}, "unknown keys ['holiday']"),
        ({"next": {"holidays": []}}, "year 'next'"),
        (["2027-01-01"], "expected an object of years"),
        (
            {"2027": {"holidays": ["2027-01-09"], "workdays": ["2027-01-09"]}},
            "both as holiday and as workday: 2027-01-09",
        ),
        ('{"2027": {"holidays": [}', "not a valid calendar file"),
        ('{"2027": {"holidays": []}, "2027": {"workdays": []}}', "duplicate key '2027'"),
    ],
)
def test_malformed_file_raises_naming_file_and_entry(
    tmp_path: Path, content: Any, problem: str
) -> None:
    path = write_calendar(tmp_path, content)
    with pytest.raises(CalendarFileError) as excinfo:
        HallCalendar.from_file(path)
    message = str(excinfo.value)
    assert str(path) in message
    assert problem in message
    assert isinstance(excinfo.value, ValueError)


def test_year_overrides_reject_a_day_both_off_and_worked() -> None:
    day = date(2027, 1, 9)
    with pytest.raises(ValueError, match="2027-01-09"):
        YearOverrides(holidays=frozenset({day}), workdays=frozenset({day}))


# 2027: New Year's Day Friday 1 January; the Spring Festival is Saturday 6 February, its eve
# Friday the 5th, its first three days 6–8 February, and the 补假 for the weekend 9–10 February.
SPRING_FESTIVAL_2027 = [date(2027, 2, d) for d in (5, 6, 7, 8, 9, 10)]


def test_2027_statutory_holidays_are_known_without_any_file() -> None:
    calendar = HallCalendar()
    assert not calendar.is_workday(date(2027, 1, 1))
    assert [calendar.is_workday(d) for d in SPRING_FESTIVAL_2027] == [False] * 6
    assert not calendar.is_workday(date(2027, 10, 1))  # National Day, a Friday
    assert calendar.is_workday(date(2027, 2, 11))


def test_a_ten_day_case_accepted_before_the_2027_spring_festival_skips_it() -> None:
    """The issue's case: accepted Monday 25 January 2027, ten working days; Monday 8 February
    is a Spring Festival day, the tenth working day is Friday 12 February."""
    assert HallCalendar().add_workdays(date(2027, 1, 25), 10) == date(2027, 2, 12)


def test_the_hall_file_adds_make_up_days_to_the_statutory_ones(tmp_path: Path) -> None:
    # A Saturday after the Spring Festival worked to bridge a day off (the shape of the
    # State Council's schedules; the dates here are an example, not an announcement).
    path = write_calendar(
        tmp_path, {"2027": {"holidays": ["2027-02-11"], "workdays": ["2027-02-20"]}}
    )
    calendar = HallCalendar.from_file(path)
    assert not calendar.is_workday(date(2027, 2, 8))  # statutory, though the file is silent
    assert not calendar.is_workday(date(2027, 2, 11))
    assert calendar.is_workday(date(2027, 2, 20))
    assert calendar.is_known_year(2027)


def test_provisional_years_are_reported_ahead_of_time(tmp_path: Path) -> None:
    calendar = HallCalendar()
    assert calendar.provisional_years(date(2026, 10, 31)) == []
    assert calendar.provisional_years(date(2026, 11, 1)) == [2027]
    # An open case due in 2028 makes 2028 provisional already.
    assert calendar.provisional_years(date(2026, 6, 1), date(2028, 1, 10)) == [2027, 2028]
    assert calendar.unknown_years_used == frozenset()  # reported before anything is counted
    covered = HallCalendar.from_file(write_calendar(tmp_path, {"2027": {}}))
    assert covered.provisional_years(date(2026, 12, 1)) == []
