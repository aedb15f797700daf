"""Staffing rows written straight to PostgreSQL for the assessment tests: a cycle of competent
staff with two pending appeals, as the API would have left it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert

from services.staffing.adapters import tables
from shared.service import ServiceRuntime
from shared.sqltypes import utcnow

YEAR = 2025
HALL = "tj-hall"  # each hall has its own cycle (EQ-3.2.2a)
UNIT = "tj-hexi"


def member(staff_id: str) -> dict[str, Any]:
    return {
        "id": staff_id,
        "unit_code": UNIT,
        "name": f"Staff {staff_id}",
        "id_number": f"12010119900101{staff_id[-4:]}",
        "phone": "13800000000",
        "birth_date": date(1990, 1, 1),
        "employment": "civil_servant",
        "law_enforcement_cert": "津执法 001",
        "work_started_on": date(2015, 1, 1),
        "knows_approval_work": True,
        "age_exception_reason": "",
        "status": "active",
        "registered_at": utcnow(),
        "version": 1,
    }


def cycle_with_two_appeals(
    rt: ServiceRuntime, *, assessed: int, state: str, filed_on: date, window: bool = False
) -> list[int]:
    """`assessed` staff of HALL's YEAR cycle in `state`, all competent, the first two appealing
    (filed on `filed_on`); with `window`, the hall's window as registry's events would have
    told staffing. The appeals' ids."""
    people = [f"s-{n:04d}" for n in range(1, assessed + 1)]
    with rt.uow(actor="test") as uow:
        run = uow.session.execute
        run(insert(tables.staff), [member(s) for s in people])
        if window:
            run(insert(tables.windows).values(_window()))
        cycle: dict[str, Any] = {
            "hall_code": HALL,
            "year": YEAR,
            "state": state,
            "scheme_version": 1,
            "window_weight_bp": 500,
            "appeal_days": 15,
            "opened_by": "center",
            "opened_at": utcnow(),
        }
        if state == "finalised":
            cycle |= {"finalised_on": date(YEAR, 12, 31), "finalised_by": "center"}
        run(insert(tables.assessment_cycles).values(cycle))
        run(insert(tables.assessment_results), [_result(s) for s in people])
        appeal = insert(tables.assessment_appeals)
        ids = [run(appeal.values(_appeal(s, filed_on))).inserted_primary_key[0] for s in people[:2]]
        uow.commit()
    return ids


def _window() -> dict[str, Any]:
    return {
        "id": 1,
        "unit_code": UNIT,
        "co_units": [],
        "name_zh": "窗口",
        "name_en": "Window",
        "type": "permanent",
        "state": "active",
        "source_event_id": "e-1",
        "hall_code": HALL,
    }


def _result(staff_id: str) -> dict[str, Any]:
    return {
        "hall_code": HALL,
        "year": YEAR,
        "staff_id": staff_id,
        "unit_code": UNIT,
        "served_days": 365,
        "year_days": 365,
        "grade": "competent",
        "proposed_grade": "competent",
    }


def _appeal(staff_id: str, filed_on: date) -> dict[str, Any]:
    return {
        "hall_code": HALL,
        "year": YEAR,
        "staff_id": staff_id,
        "unit_code": UNIT,
        "reason": "the year was better than scored",
        "filed_on": filed_on,
        "filed_by": f"unit:{UNIT}",
        "status": "pending",
        "decision_note": "",
    }
