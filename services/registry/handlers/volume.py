"""Case volume (TJ-7.6, EQ-2.2c): cases per window, matter and day; windows with too few
cases (candidates for revocation) and days with too many (candidates for an emergency window).
Aggregates read (window_id, accepted_on) and (matter_code, accepted_on) by index."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from services.registry.adapters import tables
from services.registry.domain.windows import WindowState
from shared.unit_of_work import UnitOfWork

GROUPS = {
    "window": (tables.cases.c.window_id,),
    "matter": (tables.cases.c.matter_code,),
    "day": (tables.cases.c.accepted_on,),
    "window_day": (tables.cases.c.window_id, tables.cases.c.accepted_on),
}


def counts(uow: UnitOfWork, by: str, start: date, end: date) -> list[dict[str, Any]]:
    columns = GROUPS[by]
    query = (
        select(*columns, func.count().label("cases"))
        .where(tables.cases.c.accepted_on.between(start, end))
        .group_by(*columns)
        .order_by(*columns)
    )
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]


def low_volume(uow: UnitOfWork, start: date, end: date, min_cases: int) -> list[dict[str, Any]]:
    """Active windows with fewer than `min_cases` cases in the period (TJ-7.6 candidates)."""
    per_window = (
        select(tables.cases.c.window_id, func.count().label("cases"))
        .where(tables.cases.c.accepted_on.between(start, end))
        .group_by(tables.cases.c.window_id)
        .subquery()
    )
    cases = func.coalesce(per_window.c.cases, 0)
    query = (
        select(
            tables.windows.c.id.label("window_id"),
            tables.windows.c.unit_code,
            tables.windows.c.name_zh,
            tables.windows.c.name_en,
            cases.label("cases"),
        )
        .outerjoin(per_window, per_window.c.window_id == tables.windows.c.id)
        .where(tables.windows.c.state == WindowState.ACTIVE.value, cases < min_cases)
        .order_by(cases, tables.windows.c.id)
    )
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]


def surges(uow: UnitOfWork, start: date, end: date, threshold: int) -> list[dict[str, Any]]:
    """Days on which a window accepted more than `threshold` cases (EQ-2.2c candidates)."""
    query = (
        select(tables.cases.c.window_id, tables.cases.c.accepted_on, func.count().label("cases"))
        .where(tables.cases.c.accepted_on.between(start, end))
        .group_by(tables.cases.c.window_id, tables.cases.c.accepted_on)
        .having(func.count() > threshold)
        .order_by(tables.cases.c.accepted_on, tables.cases.c.window_id)
    )
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]
