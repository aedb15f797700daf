"""Chief representatives (EQ-3.1b, EQ-3.2.6): one serving per unit, two years at least."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update

from services.staffing.adapters import tables
from services.staffing.contracts import chiefs as contracts
from services.staffing.domain import posts as rules
from services.staffing.domain.posts import Chief
from services.staffing.handlers import staff as staff_handlers
from shared import clock
from shared.db import insert_returning_id
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork


def current(uow: UnitOfWork, unit_code: str) -> Any:
    return uow.session.execute(
        select(tables.chief_representatives).where(
            tables.chief_representatives.c.unit_code == unit_code,
            tables.chief_representatives.c.ends_on.is_(None),
        )
    ).first()


def appoint(
    uow: UnitOfWork,
    unit_code: str,
    body: dict[str, Any],
    *,
    by_center: bool,
    today: date | None = None,
) -> dict[str, Any]:
    today = today or clock.today()
    starts_on = rules.check_start(
        body.get("starts_on") or today, today, by_center=by_center, what="appointment"
    )
    with uow:
        member = staff_handlers.load(uow, body["staff_id"], unit_code)
        rules.check_appointable(member.name, member.status, "staff_id")
        if body.get("deputy_staff_id"):
            deputy = staff_handlers.load(uow, body["deputy_staff_id"], unit_code)
            rules.check_appointable(deputy.name, deputy.status, "deputy_staff_id")
        chief = rules.appoint(
            unit_code,
            member.id,
            body.get("deputy_staff_id"),
            body["powers"],
            body["full_time"],
            starts_on,
        )
        serving = current(uow, unit_code)
        reason = body.get("reason", "")
        if rules.keeps_office(_chief(serving), chief.staff_id):
            values = _keep(uow, serving, chief)
        else:
            approver = (uow.actor or "center") if by_center else None
            # Tenure is measured to the successor's first day, never past today (EQ-3.2.6).
            rules.check_replacement(_chief(serving), min(starts_on, today), reason, approver)
            values = _replace(uow, serving, chief, reason, approver)
        uow.emit(
            contracts.CHIEF_APPOINTED.name,
            subject=unit_code,
            data={
                "unit_code": unit_code,
                "staff_id": member.id,
                "name": member.name,
                "deputy_staff_id": chief.deputy_staff_id,
                "starts_on": values["starts_on"],
                "previous_staff_id": serving.staff_id if serving else None,
                "reason": reason,
            },
        )
        uow.commit()
    return values


def _keep(uow: UnitOfWork, serving: Any, chief: Chief) -> dict[str, Any]:
    """The same chief with a new deputy or powers: the term and its start stay (EQ-3.2.6)."""
    change = {
        "deputy_staff_id": chief.deputy_staff_id,
        "powers": list(chief.powers),
        "full_time": chief.full_time,
    }
    table = tables.chief_representatives
    uow.session.execute(update(table).where(table.c.id == serving.id).values(change))
    return {**serving._mapping, **change}


def _replace(
    uow: UnitOfWork, serving: Any, chief: Chief, reason: str, approver: str | None
) -> dict[str, Any]:
    if serving is not None:
        uow.session.execute(
            update(tables.chief_representatives)
            .where(tables.chief_representatives.c.id == serving.id)
            .values(ends_on=chief.starts_on)
        )
    values = {
        "unit_code": chief.unit_code,
        "staff_id": chief.staff_id,
        "deputy_staff_id": chief.deputy_staff_id,
        "powers": list(chief.powers),
        "full_time": chief.full_time,
        "starts_on": chief.starts_on,
        "ends_on": None,
        "replacement_reason": reason,
        "replacement_approved_by": approver,
    }
    chief_id = insert_returning_id(uow.session, tables.chief_representatives, values)
    uow.flush()
    return {"id": chief_id, **values}


def _chief(row: Any) -> Chief | None:
    if row is None:
        return None
    return Chief(
        row.unit_code,
        row.staff_id,
        row.deputy_staff_id,
        tuple(row.powers),
        row.full_time,
        row.starts_on,
    )


def get(uow: UnitOfWork, unit_code: str) -> dict[str, Any]:
    with uow:
        row = current(uow, unit_code)
    if row is None:
        raise NotFound(f"{unit_code} has no chief representative")
    return dict(row._mapping)


def vacate(uow: UnitOfWork, staff_id: str, unit_code: str, on: date, reason: str) -> str | None:
    """A returned chief representative or deputy leaves office at once (EQ-3.2.4); since the
    seal's custody follows the office (EQ-4.2), the seal is out of their hands too. Returns the
    office vacated, if any."""
    serving = current(uow, unit_code)
    if serving is None or staff_id not in (serving.staff_id, serving.deputy_staff_id):
        return None
    table = tables.chief_representatives
    change: dict[str, Any]
    if serving.staff_id == staff_id:
        office, change = "chief", {"ends_on": on}
    else:
        office, change = "deputy", {"deputy_staff_id": None}
    uow.session.execute(update(table).where(table.c.id == serving.id).values(change))
    uow.emit(
        contracts.CHIEF_OFFICE_VACATED.name,
        subject=unit_code,
        data={
            "unit_code": unit_code,
            "staff_id": staff_id,
            "name": staff_handlers.load(uow, staff_id).name,
            "office": office,
            "on": on,
            "reason": reason,
        },
    )
    return office
