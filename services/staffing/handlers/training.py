"""Training records (TJ-7.1) and attendance (TJ-7.3): by hand, from a CSV sheet, and reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update

from services.staffing.adapters import tables
from services.staffing.contracts import training as contracts
from services.staffing.domain import attendance as rules
from services.staffing.domain.attendance import Mark
from services.staffing.handlers import staff as staff_handlers
from shared import clock
from shared.db import insert_returning_id
from shared.unit_of_work import UnitOfWork


def record_training(
    uow: UnitOfWork, unit: str | None, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    with uow:
        member = staff_handlers.load(uow, body["staff_id"], unit)
        course = rules.training(
            member.id,
            body["course"],
            body["hours"],
            body["provider"],
            body["held_on"],
            today or clock.today(),
        )
        values = {
            "staff_id": member.id,
            "course": course.course,
            "hours": course.hours,
            "provider": course.provider.value,
            "held_on": course.held_on,
        }
        training_id = insert_returning_id(uow.session, tables.trainings, values)
        uow.emit(
            contracts.TRAINING_RECORDED.name,
            subject=member.id,
            data={"training_id": training_id, "unit_code": member.unit_code, **values},
        )
        uow.commit()
    return {"id": training_id, **values}


def trainings(
    uow: UnitOfWork,
    unit: str | None,
    staff_id: str | None,
    after: Sequence[Any] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Training records, latest first; a unit sees its own staff's."""
    table = tables.trainings
    query = select(table).order_by(table.c.held_on.desc(), table.c.id.desc()).limit(limit)
    query = _scoped(query, table.c.staff_id, unit, staff_id)
    if after:
        held_on, last_id = date.fromisoformat(after[0]), int(after[1])
        query = query.where(
            or_(table.c.held_on < held_on, and_(table.c.held_on == held_on, table.c.id < last_id))
        )
    with uow:
        if staff_id is not None:
            staff_handlers.load(uow, staff_id, unit)
        return [dict(row._mapping) for row in uow.session.execute(query)]


def _scoped(query: Any, staff_column: Any, unit: str | None, staff_id: str | None) -> Any:
    if staff_id is not None:
        query = query.where(staff_column == staff_id)
    if unit is not None:
        query = query.where(
            staff_column.in_(select(tables.staff.c.id).where(tables.staff.c.unit_code == unit))
        )
    return query


def put_mark(
    uow: UnitOfWork,
    unit: str | None,
    staff_id: str,
    day: str,
    body: dict[str, Any],
    today: date | None = None,
) -> dict[str, Any]:
    """Record one day's attendance; the same request again changes nothing and tells no one."""
    with uow:
        member = staff_handlers.load(uow, staff_id, unit)
        mark = rules.mark(
            member.id, day, body["status"], body.get("note", ""), today or clock.today()
        )
        rules.check_posted(mark, first_days(uow, {member.id}).get(member.id))
        _write(uow, [mark], {member.id: member.unit_code})
        uow.commit()
    return _mark_view(mark)


def import_sheet(
    uow: UnitOfWork, unit: str | None, data: bytes, today: date | None = None
) -> dict[str, int]:
    """Every row of the sheet in one transaction, or none of them with every bad row named."""
    sheet = rules.parse(rules.decode(data), today or clock.today())
    with uow:
        owners = _owners(uow, {line.mark.staff_id for line in sheet.lines})
        staff_ids = {line.mark.staff_id for line in sheet.lines}
        unposted = rules.before_posting(sheet.lines, first_days(uow, staff_ids))
        foreign = rules.foreign(sheet.lines, owners, unit)
        # Another unit's staff reads as unknown: no word on when they were posted.
        foreign_rows = {key.split(".")[0] for key in foreign}
        unposted = {k: v for k, v in unposted.items() if k.split(".")[0] not in foreign_rows}
        marks = rules.accept(sheet, {**foreign, **unposted})
        changed = _write(uow, marks, owners)
        uow.commit()
    return {"imported": len(marks), "changed": changed}


def first_days(uow: UnitOfWork, staff_ids: set[str]) -> dict[str, date]:
    """Each staff member's first day in the hall: their earliest posting as A or B, or term as
    chief representative or deputy, whichever came first."""
    firsts: dict[str, date] = {}

    def keep(staff_id: str | None, day: date) -> None:
        if staff_id in staff_ids and (staff_id not in firsts or day < firsts[staff_id]):
            firsts[staff_id] = day

    if not staff_ids:
        return firsts
    posted = select(tables.assignments.c.staff_id, tables.assignments.c.starts_on).where(
        tables.assignments.c.staff_id.in_(staff_ids)
    )
    for row in uow.session.execute(posted):
        keep(row.staff_id, row.starts_on)
    chiefs = tables.chief_representatives.c
    offices = select(chiefs.staff_id, chiefs.deputy_staff_id, chiefs.starts_on).where(
        or_(chiefs.staff_id.in_(staff_ids), chiefs.deputy_staff_id.in_(staff_ids))
    )
    for office in uow.session.execute(offices):
        keep(office.staff_id, office.starts_on)
        keep(office.deputy_staff_id, office.starts_on)
    return firsts


def _owners(uow: UnitOfWork, staff_ids: set[str]) -> dict[str, str]:
    if not staff_ids:
        return {}
    query = select(tables.staff.c.id, tables.staff.c.unit_code).where(
        tables.staff.c.id.in_(staff_ids)
    )
    return {row.id: row.unit_code for row in uow.session.execute(query)}


def _write(uow: UnitOfWork, marks: Sequence[Mark], owners: dict[str, str]) -> int:
    """Write the marks that differ from what is on record, in bulk (a sheet has up to 10,000
    rows); one event for each."""
    known = _existing(uow, marks)
    stamp = {"recorded_by": uow.actor or "unknown", "recorded_at": clock.now()}
    fresh: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for mark in marks:
        key = (mark.staff_id, mark.day)
        if known.get(key) != (mark.status.value, mark.note):
            (changed if key in known else fresh).append({**_mark_view(mark), **stamp})
    if fresh:  # a concurrent insert of the same day fails the key: a 409, nothing written
        uow.session.execute(insert(tables.attendance), fresh)
    if changed:
        _update(uow, changed, stamp)
    recorded = [_event(row, owners[row["staff_id"]]) for row in (*fresh, *changed)]
    uow.emit_many(contracts.ATTENDANCE_RECORDED.name, recorded)  # one statement for the sheet
    return len(recorded)


def _update(uow: UnitOfWork, rows: list[dict[str, Any]], stamp: dict[str, Any]) -> None:
    table = tables.attendance
    statement = (
        update(table)
        .where(table.c.staff_id == bindparam("key_staff"), table.c.day == bindparam("key_day"))
        .values(status=bindparam("new_status"), note=bindparam("new_note"), **stamp)
    )
    uow.session.execute(
        statement,
        [
            {
                "key_staff": row["staff_id"],
                "key_day": row["day"],
                "new_status": row["status"],
                "new_note": row["note"],
            }
            for row in rows
        ],
    )


def _event(row: dict[str, Any], unit_code: str) -> tuple[str, dict[str, Any]]:
    data = {
        "staff_id": row["staff_id"],
        "unit_code": unit_code,
        "day": row["day"],
        "status": row["status"],
    }
    return row["staff_id"], data


def _existing(uow: UnitOfWork, marks: Sequence[Mark]) -> dict[tuple[str, date], tuple[str, str]]:
    if not marks:
        return {}
    table = tables.attendance
    query = select(table.c.staff_id, table.c.day, table.c.status, table.c.note).where(
        table.c.staff_id.in_({m.staff_id for m in marks}),
        table.c.day.between(min(m.day for m in marks), max(m.day for m in marks)),
    )
    return {(r.staff_id, r.day): (r.status, r.note) for r in uow.session.execute(query)}


def _mark_view(mark: Mark) -> dict[str, Any]:
    return {
        "staff_id": mark.staff_id,
        "day": mark.day,
        "status": mark.status.value,
        "note": mark.note,
    }


def marks(
    uow: UnitOfWork,
    unit: str | None,
    staff_id: str | None,
    span: tuple[date, date],
    after: Sequence[Any] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Attendance in a period, latest day first."""
    table = tables.attendance
    query = (
        select(table)
        .where(table.c.day.between(*span))
        .order_by(table.c.day.desc(), table.c.staff_id)
        .limit(limit)
    )
    query = _scoped(query, table.c.staff_id, unit, staff_id)
    if after:
        day, last = date.fromisoformat(after[0]), str(after[1])
        query = query.where(
            or_(table.c.day < day, and_(table.c.day == day, table.c.staff_id > last))
        )
    with uow:
        if staff_id is not None:
            staff_handlers.load(uow, staff_id, unit)
        return [dict(row._mapping) for row in uow.session.execute(query)]


def summary(
    uow: UnitOfWork, unit: str | None, staff_id: str | None, span: tuple[date, date]
) -> list[dict[str, Any]]:
    """Days of each status per staff member in a period: an input of the annual assessment."""
    table = tables.attendance
    query = (
        select(table.c.staff_id, table.c.status, func.count())
        .where(table.c.day.between(*span))
        .group_by(table.c.staff_id, table.c.status)
    )
    query = _scoped(query, table.c.staff_id, unit, staff_id)
    with uow:
        if staff_id is not None:
            staff_handlers.load(uow, staff_id, unit)
        counts = [(row[0], row[1], int(row[2])) for row in uow.session.execute(query)]
        rows = rules.summarise(counts, seed=[staff_id] if staff_id else [])
        names = _names(uow, (str(row["staff_id"]) for row in rows))
    return [{**row, "name": names.get(str(row["staff_id"]), "")} for row in rows]


def _names(uow: UnitOfWork, staff_ids: Iterable[str]) -> dict[str, str]:
    ids = set(staff_ids)
    if not ids:
        return {}
    query = select(tables.staff.c.id, tables.staff.c.name).where(tables.staff.c.id.in_(ids))
    return {row.id: row.name for row in uow.session.execute(query)}
