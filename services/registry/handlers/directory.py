"""The public directory (TJ-5.6, TJ-6.1, TJ-6.2): what an applicant may see, and only that."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from services.registry.adapters import tables
from services.registry.adapters.repositories import windows as window_store
from services.registry.domain import windows as window_rules
from services.registry.domain.agreements import RUNNING
from services.registry.domain.windows import WindowState
from services.registry.handlers import halls as hall_handlers
from shared import clock
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork

PUBLIC_STATES = [s.value for s in window_rules.PUBLISHED]


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    matter_type: str | None = None
    window_type: str | None = None
    district: str | None = None


def entries(
    uow: UnitOfWork, filters: Filters, after: int = 0, limit: int = 50
) -> list[dict[str, Any]]:
    """Published windows with their matters, staff and standards, filtered as asked."""
    with uow:
        rows = uow.session.execute(
            select(tables.windows)
            .where(tables.windows.c.state.in_(PUBLIC_STATES), tables.windows.c.id > after)
            .order_by(tables.windows.c.id)
        ).all()
        listed = _assemble(uow, [window_store.window_from_row(row) for row in rows])
    chosen = [entry for entry in listed if _matches(entry, filters)]
    return chosen[:limit]


def entry(uow: UnitOfWork, window_id: int) -> dict[str, Any]:
    with uow:
        row = uow.session.execute(
            select(tables.windows).where(
                tables.windows.c.id == window_id, tables.windows.c.state.in_(PUBLIC_STATES)
            )
        ).first()
        if row is None:
            raise NotFound(f"no published window {window_id}")
        return _assemble(uow, [window_store.window_from_row(row)])[0]


def windows_for_matter(uow: UnitOfWork, code: str) -> list[dict[str, Any]]:
    return [
        e
        for e in entries(uow, Filters(), limit=10_000)
        if any(m["code"] == code for m in e["matters"])
    ]


def _assemble(uow: UnitOfWork, windows: list[window_rules.Window]) -> list[dict[str, Any]]:
    if not windows:
        return []
    ids = [w.id for w in windows]
    today = clock.today()
    delegated: dict[int, list[str]] = {}
    for row in uow.session.execute(
        select(tables.agreements).where(
            tables.agreements.c.window_id.in_(ids),
            tables.agreements.c.status.in_([s.value for s in RUNNING]),
        )
    ):
        if row.starts_on <= today <= row.ends_on:
            known = delegated.setdefault(row.window_id, [])
            known.extend(code for code in row.matters if code not in known)
    codes = sorted({code for matters in delegated.values() for code in matters})
    matters = {
        row.code: dict(row._mapping)
        for row in uow.session.execute(
            select(tables.matters).where(tables.matters.c.code.in_(codes))
        )
    }
    unit_codes = sorted({u for w in windows for u in w.units})
    units = {
        row.code: dict(row._mapping)
        for row in uow.session.execute(
            select(tables.units.c.code, tables.units.c.name, tables.units.c.district).where(
                tables.units.c.code.in_(unit_codes)
            )
        )
    }
    staff: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in uow.session.execute(
        select(tables.window_staff)
        .where(tables.window_staff.c.window_id.in_(ids))
        .order_by(tables.window_staff.c.post, tables.window_staff.c.role)
    ):
        staff[row.window_id].append({"name": row.name, "post": row.post, "role": row.role})
    hall_codes = sorted({w.hall_code for w in windows})
    hall_rows = {
        row.code: dict(row._mapping)
        for row in uow.session.execute(
            select(tables.halls).where(tables.halls.c.code.in_(hall_codes))
        )
    }
    return [
        _public(
            w,
            delegated.get(w.id or 0, []),
            matters,
            units,
            staff[w.id or 0],
            {**hall_rows[w.hall_code], "notices": hall_handlers.upcoming_notices(uow, w.hall_code)},
        )
        for w in windows
    ]


def _public(
    window: window_rules.Window,
    codes: list[str],
    matters: dict[str, Any],
    units: dict[str, Any],
    staff: list[dict[str, Any]],
    hall: dict[str, Any],
) -> dict[str, Any]:
    owner = units.get(window.unit_code, {"code": window.unit_code, "name": "", "district": ""})
    in_force = [c for c in codes if c in matters]
    return {
        "id": window.id,
        "name_zh": window.name_zh,
        "name_en": window.name_en,
        "type": window.type.value,
        "state": window.state.value,
        "suspended": window.state is WindowState.SUSPENDED,
        # Accepting cases needs matters delegated by an agreement in force today (TJ-2.1, TJ-5.5),
        # not only a published, open window.
        "is_open": window.takes_cases() and bool(in_force),
        "unit": owner,
        "co_units": [units[u] for u in window.co_units if u in units],
        "district": owner["district"],
        "hall": hall,
        "seasonal_months": list(window.seasonal_months),
        **{
            name: window.details.get(name, "")
            for name in (*window_rules.PUBLIC_DETAILS, *window_rules.STANDARDS)
        },
        "matters": [
            {k: matters[c][k] for k in ("code", "name_zh", "name_en", "type")} for c in in_force
        ],
        "staff": staff,
    }


def _matches(entry: dict[str, Any], filters: Filters) -> bool:
    if filters.window_type and entry["type"] != filters.window_type:
        return False
    if filters.district:
        served = {entry["district"], *(u["district"] for u in entry["co_units"])}
        if filters.district not in served:
            return False
    if filters.matter_type and not any(m["type"] == filters.matter_type for m in entry["matters"]):
        return False
    if filters.q:
        needle = filters.q.strip().lower()
        names = [
            entry["name_zh"],
            entry["name_en"],
            *[m["name_zh"] for m in entry["matters"]],
            *[m["name_en"] for m in entry["matters"]],
        ]
        if not any(needle in name.lower() for name in names):
            return False
    return True


def districts(uow: UnitOfWork) -> list[str]:
    """Districts that have a published window: the ones a filter can find anything in."""
    served = (
        select(tables.units.c.district)
        .join(tables.window_units, tables.window_units.c.unit_code == tables.units.c.code)
        .join(tables.windows, tables.windows.c.id == tables.window_units.c.window_id)
        .where(tables.windows.c.state.in_(PUBLIC_STATES))
    )
    with uow:
        return sorted(set(uow.session.execute(served).scalars()))
