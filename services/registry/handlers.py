"""Registry's use cases: command in, domain, events to the outbox, commit."""

from __future__ import annotations

from sqlalchemy import insert, select

from services.registry import contracts, orm
from services.registry.domain.units import Unit, new_unit
from shared.db import UnitOfWork, utcnow
from shared.errors import Conflict, NotFound


def register_unit(uow: UnitOfWork, code: str, name: str, district: str) -> Unit:
    unit = new_unit(code, name, district, utcnow())
    with uow:
        if _find(uow, unit.code) is not None:
            raise Conflict(f"unit {unit.code} is registered already", field="code")
        uow.session.execute(insert(orm.units).values(**unit.__dict__))
        uow.emit(
            contracts.UNIT_REGISTERED.name,
            subject=unit.code,
            data={
                "code": unit.code,
                "name": unit.name,
                "district": unit.district,
                "registered_at": unit.registered_at,
            },
        )
        uow.commit()
    return unit


def get_unit(uow: UnitOfWork, code: str) -> Unit:
    with uow:
        unit = _find(uow, code)
    if unit is None:
        raise NotFound(f"no unit {code}")
    return unit


def list_units(uow: UnitOfWork, after: str | None, limit: int) -> list[Unit]:
    query = select(orm.units).order_by(orm.units.c.code).limit(limit)
    if after:
        query = query.where(orm.units.c.code > after)
    with uow:
        return [Unit(**row._mapping) for row in uow.session.execute(query)]


def _find(uow: UnitOfWork, code: str) -> Unit | None:
    row = uow.session.execute(select(orm.units).where(orm.units.c.code == code)).first()
    return Unit(**row._mapping) if row else None
