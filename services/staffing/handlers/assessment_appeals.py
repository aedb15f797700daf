"""After the grades: appeals against them, and each unit's weight for its windows (EQ-3.2.2b–d)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update

from services.staffing.adapters import tables
from services.staffing.contracts import assessment as contracts
from services.staffing.domain import assessment_grades as grade_rules
from services.staffing.domain.assessment import CycleState, Grade
from services.staffing.handlers import assessment as cycle
from services.staffing.handlers import assessment_grades as grading
from services.staffing.handlers import assessment_inputs as inputs
from shared import clock
from shared.db import insert_returning_id, upsert
from shared.errors import NotFound, StateConflict
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork

APPEALS = tables.assessment_appeals


def _emit(uow: UnitOfWork, event: Any, appeal_id: int, values: dict[str, Any]) -> None:
    data = {
        "appeal_id": appeal_id,
        "hall_code": values["hall_code"],
        "year": values["year"],
        "staff_id": values["staff_id"],
        "unit_code": values["unit_code"],
        "status": values["status"],
        "grade": values["grade"],
        "reason": values["reason"],
    }
    uow.emit(event.name, str(appeal_id), data)


def file(
    uow: UnitOfWork,
    hall: str | None,
    year: int,
    staff_id: str,
    unit: str | None,
    reason: str,
    today: date | None = None,
) -> dict[str, Any]:
    """The staff member's unit appeals the final grade within the cycle's deadline."""
    on = today or clock.today()
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        row = cycle.cycle_row(uow, hall, year)
        result = grading.result_row(uow, hall, year, staff_id, unit)
        pending = uow.session.execute(
            select(APPEALS.c.id).where(
                APPEALS.c.hall_code == hall,
                APPEALS.c.year == year,
                APPEALS.c.staff_id == staff_id,
                APPEALS.c.status == "pending",
            )
        ).first()
        grade_rules.check_appeal(
            CycleState(row.state),
            row.finalised_on,
            on,
            reason,
            pending is not None,
            row.appeal_days,
        )
        values = {
            "hall_code": hall,
            "year": year,
            "staff_id": staff_id,
            "unit_code": result.unit_code,
            "reason": reason.strip(),
            "filed_on": on,
            "filed_by": uow.actor or "unit",
            "status": "pending",
            "decided_grade": None,
            "decision_note": "",
            "decided_by": None,
        }
        appeal_id = insert_returning_id(uow.session, APPEALS, values)
        _emit(uow, contracts.APPEAL_FILED, appeal_id, {**values, "grade": result.grade})
        uow.commit()
    return {"id": appeal_id, **values, "grade": result.grade}


def _appeal(uow: UnitOfWork, appeal_id: int, unit: str | None) -> Any:
    query = select(APPEALS).where(APPEALS.c.id == appeal_id)
    if unit is not None:
        query = query.where(APPEALS.c.unit_code == unit)
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound(f"no appeal {appeal_id}")
    return row


def decide(uow: UnitOfWork, appeal_id: int, grade: str | None, note: str) -> dict[str, Any]:
    """The center upholds (a new grade) or dismisses (the same grade, or none); a grade raised
    to excellent must still fit the quota (EQ-3.2.2c)."""
    with uow:
        appeal = _appeal(uow, appeal_id, None)
        held = cycle.cycle_row(
            uow, appeal.hall_code, appeal.year, lock=True
        )  # before counting (EQ-3.2.2c)
        appeal = _appeal(uow, appeal_id, None)  # as it stands once the cycle is ours
        if appeal.status != "pending":
            raise StateConflict(f"appeal {appeal_id} is {appeal.status} already")
        grades = grading.all_grades(uow, appeal.hall_code, appeal.year)
        current = grades[appeal.staff_id]
        after = Grade(grade) if grade else current
        change = grade_rules.decide_appeal(
            grades,
            appeal.staff_id,
            after,
            note,
            uow.actor or "center",
            cycle.has_exception(held),
        )
        status = "dismissed" if change.after is change.before else "upheld"
        if status == "upheld":
            key = (appeal.hall_code, appeal.year)
            grading.record_change(uow, *key, change, appeal.unit_code)
            _rerecord(uow, *key, appeal.staff_id, appeal.unit_code, change.after)
        values = {
            "status": status,
            "decided_grade": change.after.value,
            "decision_note": change.reason,
            "decided_by": change.by,
        }
        uow.session.execute(update(APPEALS).where(APPEALS.c.id == appeal_id).values(values))
        merged = {**appeal._mapping, **values, "grade": change.after.value}
        _emit(uow, contracts.APPEAL_DECIDED, appeal_id, merged)
        uow.commit()
    return merged


def _rerecord(
    uow: UnitOfWork, hall: str, year: int, staff_id: str, unit: str, grade: Grade
) -> None:
    """The personal record follows the grade the appeal settled on (EQ-3.2.2d)."""
    follows = grade_rules.consequence(grade)
    table = tables.personal_records
    uow.session.execute(
        update(table)
        .where(table.c.staff_id == staff_id, table.c.hall_code == hall, table.c.year == year)
        .values(
            grade=grade.value,
            award_eligible=follows.award_eligible,
            promotion_priority=follows.promotion_priority,
            note=follows.note,
            recorded_at=utcnow(),
        )
    )
    grading.emit_consequence(uow, hall, year, staff_id, unit, grade)


def list_appeals(
    uow: UnitOfWork, hall: str | None, year: int, unit: str | None
) -> list[dict[str, Any]]:
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        query = (
            select(APPEALS)
            .where(APPEALS.c.hall_code == hall, APPEALS.c.year == year)
            .order_by(APPEALS.c.id)
        )
        if unit is not None:
            query = query.where(APPEALS.c.unit_code == unit)
        return [dict(r._mapping) for r in uow.session.execute(query)]


def get(uow: UnitOfWork, appeal_id: int, unit: str | None) -> dict[str, Any]:
    with uow:
        return dict(_appeal(uow, appeal_id, unit)._mapping)


def set_unit_weight(
    uow: UnitOfWork, hall: str | None, year: int, unit_code: str, weight: Any
) -> dict[str, Any]:
    """The weight of the unit's windows in its annual target: at least 5% (EQ-3.2.2b)."""
    bp = cycle.to_bp(weight)
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        cycle.cycle_row(uow, hall, year)
        values = {
            "hall_code": hall,
            "year": year,
            "unit_code": unit_code,
            "weight_bp": bp,
            "set_by": uow.actor or "center",
            "set_at": utcnow(),
        }
        upsert(
            uow.session, tables.assessment_unit_weights, ["hall_code", "year", "unit_code"], values
        )
        shown = str(cycle.from_bp(bp))
        data = {"hall_code": hall, "year": year, "unit_code": unit_code, "weight": shown}
        uow.emit(contracts.UNIT_WEIGHT_SET.name, f"{year}/{unit_code}", data)
        uow.commit()
    return data


def personal_record(uow: UnitOfWork, staff_id: str) -> list[dict[str, Any]]:
    table = tables.personal_records
    with uow:
        rows = uow.session.execute(
            select(table).where(table.c.staff_id == staff_id).order_by(table.c.year)
        )
        return [dict(r._mapping) for r in rows]
