"""Reading inspection's copies of registry's units and cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.inspection.adapters.tables import learned
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork


def get_unit(uow: UnitOfWork, code: str) -> dict[str, Any]:
    with uow:
        row = uow.session.execute(select(learned.units).where(learned.units.c.code == code)).first()
    if row is None:
        raise NotFound(f"no unit {code}")
    return dict(row._mapping)


def get_case(uow: UnitOfWork, case_id: int) -> dict[str, Any]:
    with uow:
        row = uow.session.execute(
            select(learned.cases).where(learned.cases.c.case_id == case_id)
        ).first()
    if row is None:
        raise NotFound(f"no case {case_id}")
    return dict(row._mapping)
