"""Staff on duty at each window, learned from staffing's events and published (TJ-5.6)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from services.registry.adapters import tables
from shared.events import CloudEvent
from shared.unit_of_work import UnitOfWork


def staff_assigned(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    key = (tables.window_staff.c.window_id == data["window_id"]) & (
        tables.window_staff.c.staff_id == data["staff_id"]
    )
    uow.session.execute(tables.window_staff.delete().where(key))
    uow.session.execute(
        insert(tables.window_staff).values(
            window_id=data["window_id"],
            staff_id=data["staff_id"],
            name=data["name"],
            post=data["post"],
            role=data["role"],
        )
    )


def staff_left(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    uow.session.execute(
        tables.window_staff.delete().where(
            (tables.window_staff.c.window_id == data["window_id"])
            & (tables.window_staff.c.staff_id == data["staff_id"])
        )
    )


def staff_on_duty(uow: UnitOfWork, window_id: int) -> list[dict[str, Any]]:
    rows = uow.session.execute(
        select(tables.window_staff)
        .where(tables.window_staff.c.window_id == window_id)
        .order_by(tables.window_staff.c.post, tables.window_staff.c.role)
    ).all()
    return [dict(row._mapping) for row in rows]
