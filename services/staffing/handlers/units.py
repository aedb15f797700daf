"""Units and the case work staffing learned from registry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.staffing.adapters import tables
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork


def get_unit(uow: UnitOfWork, code: str) -> dict[str, Any]:
    with uow:
        row = uow.session.execute(select(tables.units).where(tables.units.c.code == code)).first()
    if row is None:
        raise NotFound(f"no unit {code}")
    return dict(row._mapping)


def case_work(uow: UnitOfWork, staff_id: str, limit: int) -> list[dict[str, Any]]:
    query = (
        select(tables.case_work)
        .where(tables.case_work.c.staff_id == staff_id)
        .order_by(tables.case_work.c.on.desc())
        .limit(limit)
    )
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]
