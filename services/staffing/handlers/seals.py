"""The approval seal (EQ-4.2): registration, every use and every refused attempt, the log.

A use is checked against the chief representative and deputy serving at that moment (see
`serving`), never against the custodians written down at registration: when the chief changes,
custody moves with the office and the old chief's attempts are refused.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from services.staffing.adapters import tables
from services.staffing.contracts import seals as contracts
from services.staffing.domain import seals as rules
from services.staffing.domain.seals import Custodians, Refusal
from services.staffing.handlers import chiefs
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound
from shared.unit_of_work import UnitOfWork


def serving(uow: UnitOfWork, unit_code: str) -> Custodians | None:
    chief = chiefs.current(uow, unit_code)
    return rules.custodians(chief.staff_id, chief.deputy_staff_id) if chief else None


def _seal(uow: UnitOfWork, seal_id: int, unit: str | None) -> Any:
    row = uow.session.execute(select(tables.seals).where(tables.seals.c.id == seal_id)).first()
    if row is None or (unit is not None and row.unit_code != unit):
        raise NotFound(f"no seal {seal_id}")
    return row


def _view(uow: UnitOfWork, row: Any) -> dict[str, Any]:
    now = serving(uow, row.unit_code)
    return {
        "id": row.id,
        "unit_code": row.unit_code,
        "name": row.name,
        "custodian_a": now.a if now else None,
        "custodian_b": now.b if now else None,
        "registered_custodian_a": row.custodian_a,
        "registered_custodian_b": row.custodian_b,
        "registered_at": row.registered_at,
    }


def register(uow: UnitOfWork, unit_code: str, body: dict[str, Any]) -> dict[str, Any]:
    """Register the unit's one approval seal into the keeping of its chief representative (A)
    and deputy (B)."""
    with uow:
        taken = uow.session.execute(
            select(tables.seals.c.id).where(tables.seals.c.unit_code == unit_code)
        ).first()
        if taken is not None:
            raise Conflict(
                f"{unit_code} has registered its seal already; a unit has one (EQ-4.2)",
                rule=rules.RULE,
                field="unit_code",
            )
        rules.check_registration(
            serving(uow, unit_code), body["custodian_a"], body["custodian_b"], body["name"]
        )
        values = {
            "unit_code": unit_code,
            "name": body["name"].strip(),
            "custodian_a": body["custodian_a"],
            "custodian_b": body["custodian_b"],
            "registered_at": clock.now(),
        }
        # A concurrent registration is answered by the unique unit_code: a 409 as well.
        seal_id = insert_returning_id(uow.session, tables.seals, values)
        shown = _view(uow, _seal(uow, seal_id, None))
        uow.emit(
            contracts.SEAL_REGISTERED.name,
            subject=str(seal_id),
            data={
                "seal_id": seal_id,
                "unit_code": unit_code,
                "name": values["name"],
                "custodian_a": values["custodian_a"],
                "custodian_b": values["custodian_b"],
                "at": values["registered_at"],
            },
        )
        uow.commit()
    return shown


def get(uow: UnitOfWork, seal_id: int, unit: str | None) -> dict[str, Any]:
    with uow:
        return _view(uow, _seal(uow, seal_id, unit))


def list_seals(uow: UnitOfWork, unit: str | None) -> list[dict[str, Any]]:
    query = select(tables.seals).order_by(tables.seals.c.unit_code)
    if unit is not None:
        query = query.where(tables.seals.c.unit_code == unit)
    with uow:
        return [_view(uow, row) for row in uow.session.execute(query).all()]


def use(uow: UnitOfWork, seal_id: int, unit: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """Log a use of the seal. A use the rule forbids is refused, but its record is committed
    first: the chief representative answers for every attempt, not only for the good ones."""
    with uow:
        seal = _seal(uow, seal_id, unit)
        refusal = rules.check_use(serving(uow, seal.unit_code), body["staff_id"], body["purpose"])
        values = {
            "seal_id": seal.id,
            "case_number": body["case_number"].strip(),
            "purpose": rules.normal_purpose(body["purpose"]),
            "description": body.get("description", "").strip(),
            "staff_id": body["staff_id"],
            "used_at": clock.now(),
            "allowed": refusal is None,
            "refusal": refusal.value if refusal else None,
        }
        use_id = insert_returning_id(uow.session, tables.seal_uses, values)
        _emit(uow, seal.unit_code, values, refusal)
        uow.commit()
    if refusal is not None:
        raise rules.refused(refusal, body["staff_id"])
    return {"id": use_id, **values}


def _emit(uow: UnitOfWork, unit_code: str, values: dict[str, Any], refusal: Refusal | None) -> None:
    event = contracts.SEAL_MISUSE_ATTEMPTED if refusal else contracts.SEAL_USED
    uow.emit(
        event.name,
        subject=str(values["seal_id"]),
        data={
            "seal_id": values["seal_id"],
            "unit_code": unit_code,
            "case_number": values["case_number"],
            "staff_id": values["staff_id"],
            "allowed": values["allowed"],
            "at": values["used_at"],
            "purpose": values["purpose"],
            "refusal": values["refusal"],
        },
    )


def uses(
    uow: UnitOfWork,
    seal_id: int,
    unit: str | None,
    allowed: bool | None,
    before: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The seal's log, newest first; `allowed=False` lists the refused attempts only."""
    table = tables.seal_uses
    query = select(table).where(table.c.seal_id == seal_id).order_by(table.c.id.desc())
    if allowed is not None:
        query = query.where(table.c.allowed == allowed)
    if before is not None:
        query = query.where(table.c.id < before)
    with uow:
        _seal(uow, seal_id, unit)
        return [dict(row._mapping) for row in uow.session.execute(query.limit(limit))]


def all_uses(
    uow: UnitOfWork,
    unit: str | None,
    filters: dict[str, Any],
    before: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Every seal's log, newest first, each line with its seal's unit: `allowed=False` lists the
    refused attempts (the misuses EQ-4.2 makes the custodians answer for); `unit_code` one
    unit's; `start`/`end` the hall days they were made on, both included. A unit sees its own."""
    table = tables.seal_uses
    query = (
        select(table, tables.seals.c.unit_code)
        .join(tables.seals, tables.seals.c.id == table.c.seal_id)
        .order_by(table.c.id.desc())
    )
    for code in (unit, filters.get("unit_code")):
        if code is not None:
            query = query.where(tables.seals.c.unit_code == code)
    if filters.get("allowed") is not None:
        query = query.where(table.c.allowed == filters["allowed"])
    if filters.get("start") is not None:
        query = query.where(table.c.used_at >= _day_starts(filters["start"]))
    if filters.get("end") is not None:
        query = query.where(table.c.used_at < _day_starts(filters["end"] + timedelta(days=1)))
    if before is not None:
        query = query.where(table.c.id < before)
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query.limit(limit))]


def _day_starts(day: date) -> datetime:
    """The instant the hall's calendar day begins."""
    return datetime.combine(day, time.min, tzinfo=clock.HALL_TIMEZONE)
