"""Windows: rows in, `Window` out, and back (with the units a window serves)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from services.registry.adapters import tables
from services.registry.domain.windows import Evidence, Window, WindowState, WindowType
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound


def window_from_row(row: Any) -> Window:
    return Window(
        id=row.id,
        unit_code=row.unit_code,
        hall_code=row.hall_code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        type=WindowType(row.type),
        state=WindowState(row.state),
        evidence=Evidence(**row.evidence),
        applied_at=row.applied_at,
        co_units=tuple(row.co_units),
        seasonal_months=tuple(row.seasonal_months),
        is_open=row.is_open,
        open_reason=row.open_reason,
        details=dict(row.details),
        records=dict(row.records),
        revocation_request=row.revocation_request,
        version=row.version,
    )


def _window_values(window: Window) -> dict[str, Any]:
    return {
        "unit_code": window.unit_code,
        "hall_code": window.hall_code,
        "name_zh": window.name_zh,
        "name_en": window.name_en,
        "type": window.type.value,
        "state": window.state.value,
        "evidence": asdict(window.evidence),
        "applied_at": window.applied_at,
        "co_units": list(window.co_units),
        "seasonal_months": list(window.seasonal_months),
        "is_open": window.is_open,
        "open_reason": window.open_reason,
        "details": window.details,
        "records": window.records,
        "revocation_request": window.revocation_request,
        "version": window.version,
    }


def add_window(session: Session, window: Window) -> int:
    window_id = insert_returning_id(session, tables.windows, _window_values(window))
    for unit_code in window.units:
        session.execute(
            insert(tables.window_units).values(window_id=window_id, unit_code=unit_code)
        )
    return window_id


def save_window(session: Session, window: Window, expected_version: int) -> None:
    """Optimistic: a concurrent change to the same window makes this a 409, not a lost update."""
    result = session.execute(
        update(tables.windows)
        .where(tables.windows.c.id == window.id, tables.windows.c.version == expected_version)
        .values(_window_values(window))
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the window was changed by someone else meanwhile; reload and retry")


def get_window(session: Session, window_id: int, *, unit: str | None = None) -> Window:
    """A window by id; for a unit token only a window that serves the unit (else 404)."""
    query = select(tables.windows).where(tables.windows.c.id == window_id)
    if unit is not None:
        query = query.join(
            tables.window_units, tables.window_units.c.window_id == tables.windows.c.id
        ).where(tables.window_units.c.unit_code == unit)
    row = session.execute(query).first()
    if row is None:
        raise NotFound(f"no window {window_id}")
    return window_from_row(row)


def clear_window_units(session: Session, window_id: int) -> None:
    session.execute(delete(tables.window_units).where(tables.window_units.c.window_id == window_id))
