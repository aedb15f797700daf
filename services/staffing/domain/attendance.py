"""Training (TJ-7.1) and attendance (TJ-7.3) of window staff, and attendance sheets from CSV.

A sheet is all or nothing: every row is checked first, and one bad row means none is written.
Rows are numbered as a spreadsheet shows them, the header being row 1.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from shared.errors import DomainError, Invalid

TRAINING_RULE = "TJ-7.1"
ATTENDANCE_RULE = "TJ-7.3"
MAX_HOURS = 1000  # not a rule: a typo guard for one course
MAX_NOTE = 500
MAX_STAFF_ID = 63
MAX_SHEET_BYTES = 2 * 1024 * 1024
MAX_SHEET_ROWS = 10_000
REQUIRED_COLUMNS = ("staff_id", "day", "status")
COLUMNS = (*REQUIRED_COLUMNS, "note")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Errors = dict[str, list[str]]


class TooLarge(DomainError):
    status = 413
    slug = "too-large"
    title = "Too large"


class Provider(StrEnum):
    AUTHORITY = "authority"
    WINDOW = "window"
    UNIT = "unit"


class Status(StrEnum):
    PRESENT = "present"
    ABSENT_APPROVED = "absent_approved"
    ABSENT_UNAPPROVED = "absent_unapproved"
    LATE = "late"


@dataclass(frozen=True)
class Training:
    staff_id: str
    course: str
    hours: int
    provider: Provider
    held_on: date


@dataclass(frozen=True)
class Mark:
    """One staff member's attendance on one day."""

    staff_id: str
    day: date
    status: Status
    note: str


@dataclass(frozen=True)
class Line:
    number: int
    mark: Mark


@dataclass(frozen=True)
class Sheet:
    """The rows that passed their own checks, and the errors of the rows that did not."""

    lines: tuple[Line, ...]
    errors: Errors


def training(
    staff_id: str, course: str, hours: int, provider: str, held_on: date, today: date
) -> Training:
    errors: Errors = {}
    if not course.strip():
        errors["course"] = ["name the course"]
    if not 0 < hours <= MAX_HOURS:
        errors["hours"] = [f"hours are more than 0 and at most {MAX_HOURS}"]
    if provider not in set(Provider):
        errors["provider"] = [f"the provider is one of {', '.join(Provider)}"]
    if held_on > today:
        errors["held_on"] = ["training is recorded once held, not before"]
    if errors:
        raise Invalid(
            "the training record is incomplete (TJ-7.1)", rule=TRAINING_RULE, errors=errors
        )
    return Training(staff_id, course.strip(), hours, Provider(provider), held_on)


def mark(staff_id: str, day: str, status: str, note: str, today: date) -> Mark:
    """One day's attendance as entered by hand; every wrong field is named."""
    result, errors = _check(staff_id, day, status, note, today)
    if result is None:
        raise Invalid(
            "the attendance record is wrong (TJ-7.3)", rule=ATTENDANCE_RULE, errors=errors
        )
    return result


def _check(
    staff_id: str, day: str, status: str, note: str, today: date
) -> tuple[Mark | None, Errors]:
    errors: Errors = {}
    staff_id, note = staff_id.strip(), note.strip()
    if not staff_id or len(staff_id) > MAX_STAFF_ID:
        errors["staff_id"] = [f"a staff id is 1–{MAX_STAFF_ID} characters"]
    on = parse_day(day)
    if on is None:
        errors["day"] = [f"{day!r} is not a date like 2026-11-22"]
    elif on > today:
        errors["day"] = [f"{on} is in the future; attendance is recorded for days gone by"]
    state = status.strip().lower()
    if state not in set(Status):
        errors["status"] = [f"{status!r} is not one of {', '.join(Status)}"]
    if len(note) > MAX_NOTE:
        errors["note"] = [f"a note is at most {MAX_NOTE} characters"]
    if errors or on is None:
        return None, errors
    return Mark(staff_id, on, Status(state), note), {}


def parse_day(text: str) -> date | None:
    text = text.strip()
    if not ISO_DAY.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def decode(data: bytes) -> str:
    """The sheet as text: UTF-8 (with or without Excel's BOM), else GB18030, which a spreadsheet
    saves by default on a Chinese-language desktop."""
    if len(data) > MAX_SHEET_BYTES:
        raise TooLarge(
            f"a sheet is at most {MAX_SHEET_BYTES // (1024 * 1024)} MiB",
            rule=ATTENDANCE_RULE,
            field="file",
        )
    if not data.strip():
        raise Invalid("the sheet is empty", rule=ATTENDANCE_RULE, field="file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("the sheet is neither UTF-8 nor GB18030 text", rule=ATTENDANCE_RULE, field="file")


def parse(text: str, today: date) -> Sheet:
    """Check every row of a CSV sheet with the columns staff_id, day, status[, note]."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    lines: list[Line] = []
    errors: Errors = {}
    try:
        columns = _columns(next(reader, None))
        for number, cells in _rows(reader):
            line = _line(number, cells, columns, today, errors)
            if line is not None:
                lines.append(line)
    except csv.Error as exc:
        errors.setdefault(f"row {reader.line_num}", []).append(f"not CSV: {exc}")
    _mark_repeats(lines, errors)
    return Sheet(tuple(line for line in lines if _row_ok(line.number, errors)), errors)


def _columns(header: list[str] | None) -> dict[str, int]:
    if header is None:
        raise Invalid("the sheet is empty", rule=ATTENDANCE_RULE, field="file")
    names = [cell.strip().lower() for cell in header]
    unknown = sorted(set(names) - set(COLUMNS))
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if unknown or missing or len(set(names)) != len(names):
        raise Invalid(
            f"the first row names the columns {', '.join(COLUMNS)} (note may be left out), "
            "each once",
            rule=ATTENDANCE_RULE,
            field="header",
        )
    return {name: index for index, name in enumerate(names)}


def _rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    count = 0
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_SHEET_ROWS:
            raise TooLarge(
                f"a sheet has at most {MAX_SHEET_ROWS} rows", rule=ATTENDANCE_RULE, field="file"
            )
        yield number, cells


def _line(
    number: int, cells: list[str], columns: dict[str, int], today: date, errors: Errors
) -> Line | None:
    if len(cells) > len(columns):
        errors[f"row {number}"] = [f"{len(cells)} cells; the header names {len(columns)}"]
        return None
    cells = cells + [""] * (len(columns) - len(cells))
    values = {name: cells[index] for name, index in columns.items()}
    result, problems = _check(
        values["staff_id"], values["day"], values["status"], values.get("note", ""), today
    )
    for field, messages in problems.items():
        errors[f"row {number}.{field}"] = messages
    return None if result is None else Line(number, result)


def _mark_repeats(lines: list[Line], errors: Errors) -> None:
    first: dict[tuple[str, date], int] = {}
    for line in lines:
        key = (line.mark.staff_id, line.mark.day)
        if key in first:
            errors.setdefault(f"row {line.number}.day", []).append(
                f"{key[0]} on {key[1]} is on row {first[key]} already"
            )
        else:
            first[key] = line.number


def _row_ok(number: int, errors: Errors) -> bool:
    prefix = f"row {number}"
    return not any(key == prefix or key.startswith(prefix + ".") for key in errors)


def foreign(lines: Iterable[Line], owners: Mapping[str, str], unit: str | None) -> Errors:
    """Rows naming someone who is not staff of the importing unit (any unit for the center).
    Unknown and other units' staff read alike, so a sheet cannot probe who exists."""
    errors: Errors = {}
    for line in lines:
        owner = owners.get(line.mark.staff_id)
        if owner is None or (unit is not None and owner != unit):
            who = "your unit's" if unit else "the hall's"
            errors[f"row {line.number}.staff_id"] = [f"{line.mark.staff_id} is not {who} staff"]
    return errors


def before_posting(lines: Iterable[Line], first_days: Mapping[str, date]) -> Errors:
    """Rows for a day before the staff member's first day in the hall (their earliest posting,
    or term as chief representative or deputy): nobody attends a hall they were not sent to
    yet (TJ-7.3), and such a mark would count in the year's assessment."""
    errors: Errors = {}
    for line in lines:
        first = first_days.get(line.mark.staff_id)
        if first is None or line.mark.day < first:
            since = f"posted on {first}" if first else "not posted to the hall"
            errors[f"row {line.number}.day"] = [
                f"{line.mark.day} is before {line.mark.staff_id}'s posting ({since})"
            ]
    return errors


def check_posted(mark: Mark, first_day: date | None) -> None:
    """The same for one day put on its own."""
    errors = before_posting([Line(0, mark)], {mark.staff_id: first_day} if first_day else {})
    if errors:
        raise Invalid(
            next(iter(errors.values()))[0] + " (TJ-7.3)", rule=ATTENDANCE_RULE, field="day"
        )


def accept(sheet: Sheet, more: Errors) -> tuple[Mark, ...]:
    """All the sheet's marks, or an error naming every bad row: never some of them."""
    errors = {**sheet.errors}
    for key, messages in more.items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        rows = {key.split(".")[0] for key in errors}
        raise Invalid(
            f"{len(rows)} row(s) of the sheet are wrong; nothing was imported (TJ-7.3)",
            rule=ATTENDANCE_RULE,
            errors=dict(sorted(errors.items(), key=lambda item: _row_number(item[0]))),
        )
    return tuple(line.mark for line in sheet.lines)


def _row_number(key: str) -> int:
    head = key.split(".")[0].removeprefix("row ")
    return int(head) if head.isdigit() else 0


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """A report's period: by default this year so far."""
    end = end or today
    start = start or date(end.year, 1, 1)
    if start > end:
        raise Invalid("the period ends before it starts", field="to")
    return start, end


def summarise(
    counts: Iterable[tuple[str, str, int]], seed: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Per staff member, the days of each status; `seed` names who is listed even with none."""
    table = {staff_id: _zeros(staff_id) for staff_id in seed}
    for staff_id, status, days in counts:
        row = table.setdefault(staff_id, _zeros(staff_id))
        row[status] = row.get(status, 0) + days
        row["days"] += days
    return [table[key] for key in sorted(table)]


def _zeros(staff_id: str) -> dict[str, Any]:
    return {"staff_id": staff_id, **{status.value: 0 for status in Status}, "days": 0}
