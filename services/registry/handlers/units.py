"""Units (TJ-1): registered by the authority; their contacts kept by themselves or it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from services.registry.adapters import tables
from services.registry.contracts import units as contracts
from services.registry.domain.units import Unit, new_unit
from shared.errors import Conflict, NotFound
from shared.reads import Reads
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork


def register_unit(
    uow: UnitOfWork,
    code: str,
    name: str,
    district: str,
    contacts: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    unit = new_unit(code, name, district, utcnow())
    with uow:
        if _find(uow, unit.code) is not None:
            raise Conflict(f"unit {unit.code} is registered already", field="code")
        values = {**unit.__dict__, "contacts": contacts or []}
        uow.session.execute(insert(tables.units).values(**values))
        uow.emit(contracts.UNIT_REGISTERED.name, subject=unit.code, data=values)
        uow.commit()
    return values


def update_unit(uow: UnitOfWork, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    with uow:
        current = _find(uow, code)
        if current is None:
            raise NotFound(f"no unit {code}")
        if not changes:
            return current  # nothing to change: no write, no event
        values = {**current, **changes}
        uow.session.execute(update(tables.units).where(tables.units.c.code == code).values(changes))
        uow.emit(contracts.UNIT_UPDATED.name, subject=code, data=values)
        uow.commit()
    return values


def get_unit(reads: Reads, code: str) -> dict[str, Any]:
    row = reads.first(select(tables.units).where(tables.units.c.code == code))
    if row is None:
        raise NotFound(f"no unit {code}")
    return dict(row._mapping)


def list_units(reads: Reads, after: str | None, limit: int) -> list[dict[str, Any]]:
    query = select(tables.units).order_by(tables.units.c.code).limit(limit)
    if after:
        query = query.where(tables.units.c.code > after)
    return [dict(row._mapping) for row in reads.all(query)]


def _find(uow: UnitOfWork, code: str) -> dict[str, Any] | None:
    row = uow.session.execute(select(tables.units).where(tables.units.c.code == code)).first()
    return dict(row._mapping) if row else None


def exists(uow: UnitOfWork, code: str) -> bool:
    return _find(uow, code) is not None


__all__ = ["Unit", "exists", "get_unit", "list_units", "register_unit", "update_unit"]
