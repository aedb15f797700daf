"""The hall's working-day calendar: which days count toward statutory deadlines.

Three sources, the first that knows a day wins:

1. the hall calendar file (``HALL_CALENDAR_FILE``), for single days and for the State Council's
   make-up working days (调休) of years the library below lacks::

       {"2027": {"holidays": ["<extra day off>"], "workdays": ["<make-up Saturday or Sunday>"]}}

   ``holidays`` are days off even on Monday–Friday; ``workdays`` are working days even on a
   weekend or a statutory holiday;
2. ``chinese_calendar`` (pinned): the official schedule, make-up days included, of the years
   it was released with;
3. for any other year, the statutory holidays computed by the ``holidays`` package (China's
   public holidays, lunar ones and the 补假 for a holiday on a weekend included) on top of
   Monday–Friday.

A year known to neither the file nor ``chinese_calendar`` is *provisional*: its statutory
holidays are right, but the make-up days the State Council announces each autumn are missing.
Counting in such a year never raises; the years used are in ``HallCalendar.unknown_years_used``
(and go to the optional ``on_unknown_year`` hook), and ``provisional_years`` names them ahead
of time: the current year, the next one from 1 November, and every year up to a horizon.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import holidays as statutory

log = logging.getLogger(__name__)

FALLBACK_RULE = "Monday–Friday less the statutory holidays"
# From this day of the year on, next year's make-up days are due (the State Council publishes
# them in October or November): a next year still without them is reported.
REPORT_NEXT_YEAR_FROM = (11, 1)

_ONE_DAY = timedelta(days=1)
_YEAR_KEY = re.compile(r"\d{4}")
# date.fromisoformat also takes forms like "20270101"; the file format promises only this one.
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_ENTRY_KINDS = ("holidays", "workdays")


class CalendarFileError(ValueError):
    """The hall calendar file is not valid JSON or not in the expected shape."""


@dataclass(frozen=True)
class YearOverrides:
    """One year's days off and make-up working days that override the weekday rule."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        both = self.holidays & self.workdays
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"days listed both as holiday and as workday: {listed}")


@functools.lru_cache(maxsize=64)
def _library_workdays(year: int) -> frozenset[date] | None:
    """The library's working days of ``year``, or None when it has no data for that year."""
    try:
        return frozenset(d for d in _days_of(year) if chinese_calendar.is_workday(d))
    except NotImplementedError:
        return None


@functools.lru_cache(maxsize=64)
def _statutory_holidays(year: int) -> frozenset[date]:
    """China's statutory days off in ``year``: the public holidays and their 补假."""
    return frozenset(statutory.China(years=year))


def _days_of(year: int) -> Iterable[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += _ONE_DAY


class HallCalendar:
    """Working days of the hall: the hall's overrides, the official schedule, then the
    statutory holidays on top of Monday–Friday."""

    def __init__(
        self,
        overrides: Mapping[int, YearOverrides] | None = None,
        *,
        on_unknown_year: Callable[[int], None] | None = None,
    ) -> None:
        """``on_unknown_year(year)`` is called for every day evaluated by the fallback rule."""
        overrides = dict(overrides or {})
        self._file_years = frozenset(overrides)
        self._holidays = frozenset().union(*(o.holidays for o in overrides.values()))
        self._workdays = frozenset().union(*(o.workdays for o in overrides.values()))
        self._on_unknown_year = on_unknown_year
        self._unknown_years: set[int] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str] | None,
        *,
        on_unknown_year: Callable[[int], None] | None = None,
    ) -> HallCalendar:
        """Load the hall's calendar file; None or a missing file means no overrides."""
        if path is None:
            return cls(on_unknown_year=on_unknown_year)
        if not Path(path).exists():
            log.warning("hall calendar file %s not found; using library data only", path)
            return cls(on_unknown_year=on_unknown_year)
        return cls(load_calendar_file(path), on_unknown_year=on_unknown_year)

    def is_workday(self, day: date) -> bool:
        # A datetime never equals a date, so it would silently miss the overrides.
        if isinstance(day, datetime):
            day = day.date()
        if day in self._holidays:
            return False
        if day in self._workdays:
            return True
        library = _library_workdays(day.year)
        if library is not None:
            return day in library
        if day.year not in self._file_years:
            self._note_fallback(day.year)
        return day.weekday() < 5 and day not in _statutory_holidays(day.year)

    def add_workdays(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start``; ``start`` itself never counts."""
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        day = start
        while n > 0:
            day += _ONE_DAY
            if self.is_workday(day):
                n -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """The number of working days ``d`` with ``start < d <= end`` (0 if ``end <= start``)."""
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            count += self.is_workday(day)
            day += _ONE_DAY
        return count

    def is_known_year(self, year: int) -> bool:
        """Whether the make-up working days of ``year`` are known (library or hall file)."""
        return year in self._file_years or _library_workdays(year) is not None

    def provisional_years(self, today: date, horizon: date | None = None) -> list[int]:
        """Years without make-up data that the hall counts in or is about to: this year, next
        year from 1 November, every year up to ``horizon`` (say the latest due date of an open
        case), and any year already counted in."""
        last = today.year + ((today.month, today.day) >= REPORT_NEXT_YEAR_FROM)
        if horizon is not None:
            last = max(last, horizon.year)
        ahead = {year for year in range(today.year, last + 1) if not self.is_known_year(year)}
        return sorted(ahead | self.unknown_years_used)

    @property
    def unknown_years_used(self) -> frozenset[int]:
        """Provisional years (no make-up data) counted in so far."""
        with self._lock:
            return frozenset(self._unknown_years)

    def _note_fallback(self, year: int) -> None:
        with self._lock:
            first_use = year not in self._unknown_years
            self._unknown_years.add(year)
        if first_use:
            log.warning(
                "no make-up working days known for %d; counting %s as working days "
                "(add the year's schedule to the hall calendar file)",
                year,
                FALLBACK_RULE,
            )
        if self._on_unknown_year is not None:
            self._on_unknown_year(year)


def load_calendar_file(path: str | os.PathLike[str]) -> dict[int, YearOverrides]:
    """Parse a hall calendar file; raises CalendarFileError naming the file and the bad entry."""
    try:
        raw = json.loads(Path(path).read_bytes(), object_pairs_hook=_reject_duplicate_keys)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, duplicate keys
        raise CalendarFileError(f"{path}: not a valid calendar file: {exc}") from exc
    try:
        return _parse_calendar(raw)
    except ValueError as exc:
        raise CalendarFileError(f"{path}: {exc}") from exc


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of duplicate keys; a second "2027" block would silently replace the first.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _parse_calendar(raw: Any) -> dict[int, YearOverrides]:
    if not isinstance(raw, dict):
        raise ValueError(f"expected an object of years, got {type(raw).__name__}")
    return {_parse_year_key(key): _parse_year(key, entry) for key, entry in raw.items()}


def _parse_year_key(key: str) -> int:
    if not _YEAR_KEY.fullmatch(key):
        raise ValueError(f"year {key!r} is not a four-digit year")
    return int(key)


def _parse_year(key: str, entry: Any) -> YearOverrides:
    if not isinstance(entry, dict):
        raise ValueError(f"year {key}: expected an object, got {type(entry).__name__}")
    unknown = sorted(set(entry) - set(_ENTRY_KINDS))
    if unknown:
        raise ValueError(f"year {key}: unknown keys {unknown}, expected {list(_ENTRY_KINDS)}")
    holidays, workdays = (_parse_days(key, kind, entry.get(kind, [])) for kind in _ENTRY_KINDS)
    try:
        return YearOverrides(holidays=holidays, workdays=workdays)
    except ValueError as exc:
        raise ValueError(f"year {key}: {exc}") from exc


def _parse_days(key: str, kind: str, items: Any) -> frozenset[date]:
    if not isinstance(items, list):
        raise ValueError(f"year {key}: {kind} must be a list, got {type(items).__name__}")
    return frozenset(_parse_day(key, f"{kind}[{i}]", item) for i, item in enumerate(items))


def _parse_day(key: str, where: str, item: Any) -> date:
    if not isinstance(item, str) or not _DATE_TEXT.fullmatch(item):
        raise ValueError(f"year {key}: {where} = {item!r} is not a YYYY-MM-DD date")
    try:
        day = date.fromisoformat(item)
    except ValueError as exc:
        raise ValueError(f"year {key}: {where} = {item!r} is not a valid date ({exc})") from exc
    if day.year != int(key):
        raise ValueError(f"year {key}: {where} = {item!r} is not in {key}")
    return day
