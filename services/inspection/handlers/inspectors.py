"""The inspectors a draw picks from (TJ-7.4): registered with their home unit and the units
they may not inspect (recusal), and changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from services.inspection.adapters.tables import learned
from services.inspection.adapters.tables.draws import (
    inspectors,
)
from services.inspection.contracts import draws as contracts
from services.inspection.domain import draws as rules
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Invalid, NotFound
from shared.unit_of_work import UnitOfWork


def _known_units(uow: UnitOfWork, home_unit: str | None, conflicts: list[str]) -> None:
    named = {*conflicts, *([home_unit] if home_unit else [])}
    known = set(
        uow.session.scalars(select(learned.units.c.code).where(learned.units.c.code.in_(named)))
    )
    if home_unit and home_unit not in known:
        raise Invalid(
            f"no unit {home_unit} is known to inspection", rule=rules.RULE, field="home_unit"
        )
    unknown = sorted(set(conflicts) - known)
    if unknown:
        raise Invalid(
            f"no unit {', '.join(unknown)} is known to inspection",
            rule=rules.RULE,
            field="conflicts",
        )


def _inspector(uow: UnitOfWork, inspector_id: int) -> Any:
    row = uow.session.execute(select(inspectors).where(inspectors.c.id == inspector_id)).first()
    if row is None:
        raise NotFound(f"no inspector {inspector_id}")
    return row


def _emit_inspector(uow: UnitOfWork, event: Any, row: Any) -> dict[str, Any]:
    shown = dict(row._mapping)
    uow.emit(
        event.name,
        subject=str(row.id),
        data={
            "inspector_id": row.id,
            "name": row.name,
            "home_unit": row.home_unit,
            "conflicts": row.conflicts,
            "active": row.active,
            "at": row.updated_at,
        },
    )
    return shown


def register_inspector(uow: UnitOfWork, body: dict[str, Any]) -> dict[str, Any]:
    name, conflicts = body["name"].strip(), sorted(set(body["conflicts"]))
    if not name:
        raise Invalid("an inspector has a name", rule=rules.RULE, field="name")
    now = clock.now()
    with uow:
        _known_units(uow, body["home_unit"], conflicts)
        values = {
            "name": name,
            "home_unit": body["home_unit"],
            "conflicts": conflicts,
            "active": body["active"],
            "registered_at": now,
            "updated_at": now,
        }
        inspector_id = insert_returning_id(uow.session, inspectors, values)
        shown = _emit_inspector(uow, contracts.INSPECTOR_REGISTERED, _inspector(uow, inspector_id))
        uow.commit()
    return shown


def change_inspector(uow: UnitOfWork, inspector_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Declare conflicts, move home unit, (de)activate: later draws apply it; earlier draws
    keep the pool they recorded. Sending what is already recorded changes nothing."""
    wanted = {**body}
    if "name" in wanted:
        wanted["name"] = wanted["name"].strip()
        if not wanted["name"]:
            raise Invalid("an inspector has a name", rule=rules.RULE, field="name")
    if "conflicts" in wanted:
        wanted["conflicts"] = sorted(set(wanted["conflicts"]))
    with uow:
        row = _inspector(uow, inspector_id)
        changes = {key: value for key, value in wanted.items() if row._mapping[key] != value}
        if not changes:
            return dict(row._mapping)
        merged = {**row._mapping, **changes}
        _known_units(uow, merged["home_unit"], merged["conflicts"])
        changes["updated_at"] = clock.now()
        uow.session.execute(update(inspectors).where(inspectors.c.id == row.id).values(changes))
        shown = _emit_inspector(uow, contracts.INSPECTOR_CHANGED, _inspector(uow, row.id))
        uow.commit()
    return shown


def get_inspector(uow: UnitOfWork, inspector_id: int) -> dict[str, Any]:
    with uow:
        return dict(_inspector(uow, inspector_id)._mapping)


def list_inspectors(
    uow: UnitOfWork, active: bool | None, after: int | None, limit: int
) -> list[dict[str, Any]]:
    query = select(inspectors).order_by(inspectors.c.id).limit(limit)
    if active is not None:
        query = query.where(inspectors.c.active == active)
    if after is not None:
        query = query.where(inspectors.c.id > after)
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]
