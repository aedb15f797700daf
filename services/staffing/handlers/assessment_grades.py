"""Calibration and finalising (EQ-3.2.2c, EQ-3.2.2d): the center's changes to proposed grades,
the quota enforced on finalising, and every grade on the personal record with its consequence."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select, update

from services.staffing.adapters import tables
from services.staffing.contracts import assessment as contracts
from services.staffing.domain import assessment_grades as grade_rules
from services.staffing.domain import assessment_quota as quota_rules
from services.staffing.domain.assessment import CycleState, Grade
from services.staffing.handlers import assessment_inputs as inputs
from services.staffing.handlers import staff as staff_handlers
from services.staffing.handlers.assessment import (
    cycle_row,
    cycle_view,
    emit_cycle,
    has_exception,
    refresh_assessed,
)
from shared import clock
from shared.errors import NotFound, StateConflict
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork

RESULTS = tables.assessment_results
CYCLES = tables.assessment_cycles


def result_row(
    uow: UnitOfWork, hall: str, year: int, staff_id: str, unit: str | None = None
) -> Any:
    query = select(RESULTS).where(
        RESULTS.c.hall_code == hall, RESULTS.c.year == year, RESULTS.c.staff_id == staff_id
    )
    if unit is not None:
        query = query.where(RESULTS.c.unit_code == unit)
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound(f"{staff_id} was not assessed in {year}")
    return row


def record_change(
    uow: UnitOfWork, hall: str, year: int, change: grade_rules.GradeChange, unit: str
) -> None:
    uow.session.execute(
        update(RESULTS)
        .where(
            RESULTS.c.hall_code == hall,
            RESULTS.c.year == year,
            RESULTS.c.staff_id == change.staff_id,
        )
        .values(grade=change.after.value)
    )
    uow.session.execute(
        insert(tables.assessment_grade_changes).values(
            hall_code=hall,
            year=year,
            staff_id=change.staff_id,
            kind=change.kind,
            before=change.before.value,
            after=change.after.value,
            reason=change.reason,
            by=change.by,
            at=utcnow(),
        )
    )
    member = staff_handlers.load(uow, change.staff_id)
    data = {
        "hall_code": hall,
        "year": year,
        "staff_id": change.staff_id,
        "name": member.name,
        "unit_code": unit,
        "grade": change.after.value,
        "before": change.before.value,
        "kind": change.kind,
        "reason": change.reason,
    }
    uow.emit(contracts.GRADE_CHANGED.name, f"{year}/{change.staff_id}", data)


def calibrate(
    uow: UnitOfWork, hall: str | None, year: int, staff_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """The center changes a proposed grade with a reason; the quota is shown, not yet enforced
    (EQ-3.2.2c is checked on finalising)."""
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        cycle = cycle_row(uow, hall, year, lock=True)
        row = result_row(uow, hall, year, staff_id)
        change = grade_rules.calibrate(
            CycleState(cycle.state),
            staff_id,
            Grade(row.grade) if row.grade else None,
            Grade(body["grade"]),
            body["reason"],
            uow.actor or "center",
        )
        record_change(uow, hall, year, change, row.unit_code)
        uow.commit()
        return cycle_view(uow, cycle_row(uow, hall, year))


def all_grades(uow: UnitOfWork, hall: str, year: int) -> dict[str, Grade]:
    rows = uow.session.execute(
        select(RESULTS.c.staff_id, RESULTS.c.grade).where(
            RESULTS.c.hall_code == hall, RESULTS.c.year == year
        )
    ).all()
    return {r.staff_id: Grade(r.grade) for r in rows}


def finalise(
    uow: UnitOfWork, hall: str | None, year: int, today: date | None = None
) -> dict[str, Any]:
    """Refused while more than the quota of the hall's cycle are excellent (EQ-3.2.2c); then
    every grade goes on the personal record with its consequence (EQ-3.2.2d)."""
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        cycle = cycle_row(uow, hall, year, lock=True)
        if cycle.state != CycleState.SCORED:
            raise StateConflict(
                f"the {year} assessment is {cycle.state}: only a scored one finalises"
            )
        if refresh_assessed(uow, hall, year):  # rolled back with the refusal
            raise StateConflict(
                f"who served in {year}, or how long, changed since the cycle was scored; score "
                "it again so that everyone who served is assessed (EQ-3.2.2a)",
                rule="EQ-3.2.2a",
            )
        grades = all_grades(uow, hall, year)
        quota_rules.check_finalise(list(grades.values()), has_exception(cycle))
        people = {
            row.staff_id: row
            for row in uow.session.execute(
                select(RESULTS.c.staff_id, RESULTS.c.unit_code, tables.staff.c.name)
                .join(tables.staff, tables.staff.c.id == RESULTS.c.staff_id)
                .where(RESULTS.c.hall_code == hall, RESULTS.c.year == year)
            )
        }
        records = [
            _record(hall, year, staff_id, people[staff_id].unit_code, g)
            for staff_id, g in grades.items()
        ]
        if records:
            uow.session.execute(insert(tables.personal_records), records)
        uow.session.execute(
            update(CYCLES)
            .where(CYCLES.c.hall_code == hall, CYCLES.c.year == year)
            .values(
                state=CycleState.FINALISED.value,
                finalised_on=today or clock.today(),
                finalised_by=uow.actor or "center",
            )
        )
        consequences = [
            _consequence(hall, year, staff_id, people[staff_id].name, people[staff_id].unit_code, g)
            for staff_id, g in sorted(grades.items())
            if g in NOTIFIED
        ]
        uow.emit_many(contracts.GRADE_RECORDED.name, consequences)
        emit_cycle(uow, contracts.CYCLE_FINALISED, hall, year)
        uow.commit()
        return cycle_view(uow, cycle_row(uow, hall, year))


def _record(hall: str, year: int, staff_id: str, unit_code: str, grade: Grade) -> dict[str, Any]:
    follows = grade_rules.consequence(grade)
    return {
        "staff_id": staff_id,
        "hall_code": hall,
        "year": year,
        "unit_code": unit_code,
        "grade": grade.value,
        "award_eligible": follows.award_eligible,
        "promotion_priority": follows.promotion_priority,
        "note": follows.note,
        "recorded_at": utcnow(),
    }


# The home unit hears of the grades that change something (EQ-3.2.2d): excellent and
# incompetent. The rest are on the record and in the finalised cycle's counts.
NOTIFIED = (Grade.EXCELLENT, Grade.INCOMPETENT)


def _consequence(
    hall: str, year: int, staff_id: str, name: str, unit: str, grade: Grade
) -> tuple[str, dict[str, Any]]:
    follows = grade_rules.consequence(grade)
    data = {
        "hall_code": hall,
        "year": year,
        "staff_id": staff_id,
        "name": name,
        "unit_code": unit,
        "grade": grade.value,
        "reason": follows.note,
        "award_eligible": follows.award_eligible,
        "promotion_priority": follows.promotion_priority,
        "rule": "EQ-3.2.2d",
    }
    return f"{year}/{staff_id}", data


def emit_consequence(
    uow: UnitOfWork, hall: str, year: int, staff_id: str, unit: str, grade: Grade
) -> None:
    if grade in NOTIFIED:
        name = staff_handlers.load(uow, staff_id).name
        subject, data = _consequence(hall, year, staff_id, name, unit, grade)
        uow.emit(contracts.GRADE_RECORDED.name, subject, data)
