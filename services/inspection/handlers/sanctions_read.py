"""Reading the sanctions ladder (TJ-8.1, TJ-8.2): a step, a window's history, the list, and the
orders past due that the proposals area turns into termination proposals."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from services.inspection.adapters.tables import learned
from services.inspection.adapters.tables import sanctions as tables
from services.inspection.domain import sanctions as rules
from services.inspection.domain.sanctions import Kind, Status
from services.inspection.handlers.findings import visible_windows
from shared import clock
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork

S = tables.sanctions
R = tables.order_reports


def entry(uow: UnitOfWork, sanction_id: int, unit: str | None, kind: Kind | None = None) -> Any:
    row = uow.session.execute(select(S).where(S.c.id == sanction_id)).first()
    hidden = unit is not None and (row is None or row.window_id not in visible_windows(uow, unit))
    if row is None or hidden or (kind is not None and row.kind != kind):
        raise NotFound(f"no {kind.value if kind else 'sanction'} {sanction_id}")
    return row


def ladder_of(uow: UnitOfWork, window_id: int) -> list[Any]:
    return list(uow.session.execute(select(S).where(S.c.window_id == window_id).order_by(S.c.id)))


def _reports(uow: UnitOfWork, order_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in order_ids}
    rows = uow.session.execute(select(R).where(R.c.order_id.in_(order_ids)).order_by(R.c.id))
    for r in rows:
        found[r.order_id].append(dict(r._mapping))
    return found


def views(uow: UnitOfWork, rows: list[Any], today: date) -> list[dict[str, Any]]:
    reports = _reports(uow, [r.id for r in rows if r.kind == Kind.RECTIFICATION])
    return [
        {
            **r._mapping,
            "overdue": r.kind == Kind.RECTIFICATION
            and rules.is_past_due(r.status, r.due_on, r.reported_on, today),
            "reports": reports.get(r.id, []),
        }
        for r in rows
    ]


def get_sanction(uow: UnitOfWork, sanction_id: int, unit: str | None) -> dict[str, Any]:
    with uow:
        return views(uow, [entry(uow, sanction_id, unit)], clock.today())[0]


def window_history(uow: UnitOfWork, window_id: int, unit: str | None) -> list[dict[str, Any]]:
    """Every step of the window's ladder in the order taken, corrected and lifted ones too."""
    with uow:
        window = window_row(uow, window_id)
        if window is None or not rules.can_see(unit, (window.unit_code, *window.co_units)):
            raise NotFound(f"inspection knows no window {window_id}")
        return views(uow, ladder_of(uow, window_id), clock.today())


def list_sanctions(
    uow: UnitOfWork, unit: str | None, query: dict[str, Any], after: int | None, limit: int
) -> list[dict[str, Any]]:
    stmt = select(S).order_by(S.c.id).limit(limit)
    for name in ("window_id", "unit_code", "kind", "status"):
        if query.get(name) is not None:
            stmt = stmt.where(S.c[name] == query[name])
    if after is not None:
        stmt = stmt.where(S.c.id > after)
    with uow:
        if unit is not None:
            stmt = stmt.where(S.c.window_id.in_(visible_windows(uow, unit)))
        return views(uow, list(uow.session.execute(stmt)), clock.today())


def open_orders_past_due(uow: UnitOfWork, today: date) -> list[dict[str, Any]]:
    """Rectification orders whose deadline passed without verified rectification, on windows
    not terminated yet: each may become a termination proposal (TJ-8.2)."""
    rows = uow.session.execute(
        select(S)
        .where(
            S.c.kind == Kind.RECTIFICATION,
            S.c.status.in_([Status.OPEN.value, Status.REPORTED.value]),
            S.c.due_on < today,
        )
        .order_by(S.c.id)
    ).all()
    ended = set(
        uow.session.execute(select(S.c.window_id).where(S.c.kind == Kind.TERMINATION)).scalars()
    )
    return [
        {
            "order_id": r.id,
            "window_id": r.window_id,
            "unit_code": r.unit_code,
            "due_on": r.due_on,
            "findings": list(r.findings),
            "complaints": list(r.complaints),
        }
        for r in rows
        if r.window_id not in ended and rules.is_past_due(r.status, r.due_on, r.reported_on, today)
    ]


def current_sanctions(uow: UnitOfWork, window_id: int) -> list[dict[str, Any]]:
    """The window's steps still in force: interviews, open orders, a suspension, a termination."""
    rows = uow.session.execute(
        select(S)
        .where(S.c.window_id == window_id, S.c.status.in_([s.value for s in rules.CURRENT]))
        .order_by(S.c.id)
    )
    return [dict(r._mapping) for r in rows]


def window_row(uow: UnitOfWork, window_id: int) -> Any:
    return uow.session.execute(
        select(learned.windows).where(learned.windows.c.id == window_id)
    ).first()


def is_terminated(uow: UnitOfWork, window_id: int) -> bool:
    return any(r.kind == Kind.TERMINATION for r in ladder_of(uow, window_id))


def event_data(row: Any) -> dict[str, Any]:
    """The SanctionV1 payload registry and staffing act on."""
    return {
        "sanction_id": row["id"],
        "kind": row["kind"],
        "window_id": row["window_id"],
        "unit_code": row["unit_code"],
        "basis": row["basis"],
        "reason": row["reason"],
        "at": row["decided_at"],
        "district": row["district"] or "",
        "findings": list(row["findings"]),
        "complaints": list(row["complaints"]),
        "decided_by": row["decided_by"],
    }
