"""The scoring schemes (docs/assessment.md): version 1 built in, later versions published by
the center; a cycle names the version it is scored by."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from services.staffing.adapters import tables
from services.staffing.contracts import assessment as contracts
from services.staffing.domain import assessment_scheme as scheme_rules
from services.staffing.domain.assessment_scheme import Scheme
from shared.errors import NotFound
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork


def scheme(uow: UnitOfWork, version: int) -> Scheme:
    """Version 1 is the built-in defaults (docs/assessment.md); later ones are published."""
    if version == 1:
        return Scheme()
    row = uow.session.execute(
        select(tables.assessment_schemes).where(tables.assessment_schemes.c.version == version)
    ).first()
    if row is None:
        raise NotFound(f"no scoring scheme version {version}")
    return scheme_rules.scheme_from(version, row.values)


def latest_scheme_version(uow: UnitOfWork) -> int:
    table = tables.assessment_schemes
    newest = uow.session.execute(select(table.c.version).order_by(table.c.version.desc())).first()
    return newest.version if newest else 1


def publish_scheme(uow: UnitOfWork, values: dict[str, Any]) -> dict[str, Any]:
    with uow:
        version = latest_scheme_version(uow) + 1
        published = scheme_rules.scheme_from(version, values)
        stored = scheme_rules.scheme_values(published)
        row = {
            "version": version,
            "values": stored,
            "published_by": uow.actor or "center",
            "published_at": utcnow(),
        }
        uow.session.execute(insert(tables.assessment_schemes).values(row))
        uow.emit(
            contracts.SCHEME_PUBLISHED.name, str(version), {"version": version, "values": stored}
        )
        uow.commit()
    return {"version": version, "values": stored}


def list_schemes(uow: UnitOfWork) -> list[dict[str, Any]]:
    builtin = {
        "version": 1,
        "values": scheme_rules.scheme_values(Scheme()),
        "published_by": "built in",
    }
    table = tables.assessment_schemes
    with uow:
        rows = uow.session.execute(select(table).order_by(table.c.version)).all()
    return [builtin, *(dict(r._mapping) for r in rows)]
