"""Forced returns (EQ-3.2.4): the center returns a staff member, the unit names a replacement
by a deadline in working days, and a missed deadline is escalated once."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from sqlalchemy import select, update

from services.staffing.adapters import tables
from services.staffing.contracts import posts as post_events
from services.staffing.contracts import returns as contracts
from services.staffing.domain import rotation as rules
from services.staffing.domain.absences import WorkingDays
from services.staffing.handlers import chiefs, posts
from services.staffing.handlers import staff as staff_handlers
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound
from shared.service import ServiceRuntime
from shared.unit_of_work import UnitOfWork


def deadline_days(requested: int | None) -> int:
    """The request's deadline, else the hall's (`REPLACEMENT_DEADLINE_DAYS`), else 10."""
    if requested is not None:
        return requested
    return int(os.environ.get("REPLACEMENT_DEADLINE_DAYS", rules.REPLACEMENT_WORKDAYS))


def _emit(uow: UnitOfWork, event: Any, return_id: int, values: dict[str, Any]) -> None:
    uow.emit(
        event.name,
        subject=str(return_id),
        data={
            "return_id": return_id,
            "staff_id": values["staff_id"],
            "name": staff_handlers.load(uow, values["staff_id"]).name,
            "unit_code": values["unit_code"],
            "reason": values["reason"],
            "replacement_due_on": values["replacement_due_on"],
            "replacement_staff_id": values["replacement_staff_id"],
        },
    )


def _end_assignment(uow: UnitOfWork, staff_id: str, on: date) -> None:
    row = uow.session.execute(
        select(tables.assignments).where(
            tables.assignments.c.staff_id == staff_id, tables.assignments.c.ends_on.is_(None)
        )
    ).first()
    if row is None:
        return
    uow.session.execute(
        update(tables.assignments)
        .where(tables.assignments.c.id == row.id)
        .values(ends_on=on, end_reason="returned by the center (EQ-3.2.4)")
    )
    post = uow.session.execute(select(tables.posts).where(tables.posts.c.id == row.post_id)).one()
    member = staff_handlers.load(uow, staff_id)
    posts.emit_assignment(uow, post_events.ASSIGNMENT_ENDED, member, post, row.role)


def force_return(
    uow: UnitOfWork, body: dict[str, Any], calendar: WorkingDays, today: date | None = None
) -> dict[str, Any]:
    """The center returns a staff member with a reason; the unit owes a replacement."""
    on = today or clock.today()
    with uow:
        member = staff_handlers.load(uow, body["staff_id"])
        returned = rules.force_return(member, body["reason"])
        staff_handlers.save(uow, returned, member.version)
        _end_assignment(uow, member.id, on)
        chiefs.vacate(uow, member.id, member.unit_code, on, body["reason"].strip())
        values = {
            "staff_id": member.id,
            "unit_code": member.unit_code,
            "reason": body["reason"].strip(),
            "returned_on": on,
            "replacement_due_on": calendar.add_workdays(on, deadline_days(body.get("days"))),
            "replacement_staff_id": None,
            "escalated": False,
        }
        return_id = insert_returning_id(uow.session, tables.returns, values)
        _emit(uow, contracts.STAFF_RETURNED, return_id, values)
        uow.commit()
    return {"id": return_id, **values}


def _row(uow: UnitOfWork, return_id: int, unit: str | None) -> Any:
    query = select(tables.returns).where(tables.returns.c.id == return_id)
    if unit is not None:
        query = query.where(tables.returns.c.unit_code == unit)
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound(f"no return {return_id}")
    return row


def name_replacement(
    uow: UnitOfWork, return_id: int, unit: str | None, staff_id: str, today: date | None = None
) -> dict[str, Any]:
    """The unit names an eligible active staff member of its own (EQ-3.2.4)."""
    with uow:
        row = _row(uow, return_id, unit)
        if row.replacement_staff_id is not None:
            raise Conflict(
                f"{row.replacement_staff_id} is named already (EQ-3.2.4)",
                rule=rules.RETURN_RULE,
                field="staff_id",
            )
        candidate = staff_handlers.load(uow, staff_id, unit)
        rules.check_replacement(row.staff_id, row.unit_code, candidate, today or clock.today())
        uow.session.execute(
            update(tables.returns)
            .where(tables.returns.c.id == return_id)
            .values(replacement_staff_id=candidate.id)
        )
        values = {**row._mapping, "replacement_staff_id": candidate.id}
        _emit(uow, contracts.REPLACEMENT_NAMED, return_id, values)
        uow.commit()
    return values


def replacement_sweep(rt: ServiceRuntime) -> int:
    """Escalates, once, every return whose replacement deadline has passed (EQ-3.2.4)."""
    today = clock.today()
    escalated = 0
    with rt.uow(actor="system:sweep") as uow:
        rows = uow.session.execute(
            select(tables.returns).where(
                tables.returns.c.replacement_staff_id.is_(None),
                tables.returns.c.escalated.is_(False),
                tables.returns.c.replacement_due_on < today,
            )
        ).all()
        for row in rows:
            named = row.replacement_staff_id is not None
            if not rules.replacement_overdue(row.replacement_due_on, today, named, row.escalated):
                continue
            claimed: Any = uow.session.execute(
                update(tables.returns)
                .where(tables.returns.c.id == row.id, tables.returns.c.escalated.is_(False))
                .values(escalated=True)
            )
            if claimed.rowcount:
                _emit(uow, contracts.REPLACEMENT_OVERDUE, row.id, dict(row._mapping))
                escalated += 1
        uow.commit()
    return escalated


def get(uow: UnitOfWork, return_id: int, unit: str | None) -> dict[str, Any]:
    with uow:
        return dict(_row(uow, return_id, unit)._mapping)


def list_returns(uow: UnitOfWork, unit: str | None) -> list[dict[str, Any]]:
    query = select(tables.returns).order_by(tables.returns.c.id)
    if unit is not None:
        query = query.where(tables.returns.c.unit_code == unit)
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]
