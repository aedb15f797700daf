"""Units and the case work staffing learned from registry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.staffing import orm
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork


def get_unit(uow: UnitOfWork, code: str) -> dict[str, Any]:
    with uow:
        row = uow.session.execute(select(orm.units).where(orm.units.c.code == code)).first()
    if row is None:
        raise NotFound(f"no unit {code}")
    return dict(row._mapping)


def case_work(uow: UnitOfWork, staff_id: str, limit: int) -> list[dict[str, Any]]:
    query = (
        select(orm.case_work)
        .where(orm.case_work.c.staff_id == staff_id)
        .order_by(orm.case_work.c.on.desc())
        .limit(limit)
    )
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]
