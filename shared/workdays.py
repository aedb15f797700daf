"""The hall's working-day calendar: which days count toward statutory deadlines.

Chinese statutory holidays and make-up working days (调休) come from the ``chinese_calendar``
library, which only covers the years it was released with. A hall may supply a JSON calendar
file for later years, or to override single days::

    {"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-02-07"]}}

``holidays`` are days off even on Monday–Friday; ``workdays`` are working days even on a
weekend. A year in the file counts as known. For a year nobody knows, Monday–Friday are
counted as working days; this never raises, and the years concerned are reported in
``HallCalendar.unknown_years_used`` (and to the optional ``on_unknown_year`` hook).
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

log = logging.getLogger(__name__)

FALLBACK_RULE = "Monday–Friday"

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


def _days_of(year: int) -> Iterable[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += _ONE_DAY


class HallCalendar:
    """Working days of the hall: library data, the hall's overrides, then Monday–Friday."""

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
        return day.weekday() < 5

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
        return year in self._file_years or _library_workdays(year) is not None

    @property
    def unknown_years_used(self) -> frozenset[int]:
        """Years for which the Monday–Friday fallback has been used so far."""
        with self._lock:
            return frozenset(self._unknown_years)

    def _note_fallback(self, year: int) -> None:
        with self._lock:
            first_use = year not in self._unknown_years
            self._unknown_years.add(year)
        if first_use:
            log.warning(
                "no holiday calendar for %d; counting %s as working days "
                "(add the year to the hall calendar file)",
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
