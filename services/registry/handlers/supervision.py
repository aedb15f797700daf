"""Electronic supervision (EQ-1.4): the sweep that warns of cases due soon, overdue, or stuck in
a step, and the center's list of warned cases. It reads only open, running cases whose due
date (or step deadline) is near, by index, so it stays fast with a million cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select

from services.registry.adapters import tables
from services.registry.adapters.repositories import cases as store
from services.registry.contracts import cases as contracts
from services.registry.domain import cases as rules
from services.registry.domain.cases import Warning
from services.registry.handlers.case_reading import view
from services.registry.handlers.cases import emit_case
from shared.unit_of_work import UnitOfWork
from shared.workdays import HallCalendar

BATCH = 500


def sweep(uow: UnitOfWork, calendar: HallCalendar, today: date, yellow_days: int = 2) -> int:
    """Raise the warnings that changed since the last sweep; returns how many cases changed.

    Three queries, each selecting exactly the cases whose state the rules would change, walked
    by index in due-date order, so a batch is never full of cases that stay as they are (at a
    million cases the steady state reads nothing) and each batch is its own transaction."""
    c = tables.cases.c
    running = c.open & ~c.paused
    horizon = calendar.add_workdays(today, yellow_days)
    # Red once a working day has passed since the due date: on a Sunday a case due on Friday
    # still has that Friday, so compare with the last working day up to today.
    last_workday = _last_workday(calendar, today)
    candidates = (
        (running & (c.warning == Warning.NONE.value) & (c.due_on <= horizon), (c.due_on, c.id)),
        (
            running & (c.warning == Warning.YELLOW.value) & (c.due_on < last_workday),
            (c.due_on, c.id),
        ),
        (running & ~c.stage_overrun & (c.stage_due_on < today), (c.stage_due_on, c.id)),
    )
    changed = 0
    for condition, order in candidates:
        while True:
            with uow:
                rows = uow.session.execute(
                    select(tables.cases).where(condition).order_by(*order).limit(BATCH)
                ).all()
                done = sum(_supervise(uow, row, calendar, today, yellow_days) for row in rows)
                uow.commit()
            changed += done
            if len(rows) < BATCH or done == 0:
                break
    return changed


def _last_workday(calendar: HallCalendar, today: date) -> date:
    day = today
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    return day


def _supervise(
    uow: UnitOfWork, row: Any, calendar: HallCalendar, today: date, yellow_days: int
) -> int:
    case = store.case_from_row(row)
    level = rules.warning_level(case, today, calendar, yellow_days)
    overran = rules.stage_overran(case, today)
    if level == case.warning and not overran:
        return 0
    warned = replace(
        case, warning=level, stage_overrun=case.stage_overrun or overran, version=case.version + 1
    )
    store.save_case(uow.session, warned, case.version)
    if level != case.warning:
        emit_case(
            uow,
            contracts.CASE_WARNED,
            warned,
            row.receipt_number,
            today,
            level=level.value,
            detail=f"due {case.due_on}",
        )
    if overran:
        emit_case(
            uow,
            contracts.CASE_STAGE_OVERRAN,
            warned,
            row.receipt_number,
            today,
            detail=f"{case.stage} since {case.history[-1].on}, step due {case.stage_due_on}",
        )
    return 1


def warnings(
    uow: UnitOfWork,
    *,
    level: str | None,
    unit: str | None,
    window_id: int | None,
    after: int,
    limit: int,
) -> list[dict[str, Any]]:
    """The center's list: open cases with a yellow or red warning, or a step overrun."""
    query = (
        select(tables.cases)
        .where(
            tables.cases.c.open,
            or_(tables.cases.c.warning != Warning.NONE.value, tables.cases.c.stage_overrun),
            tables.cases.c.id > after,
        )
        .order_by(tables.cases.c.id)
        .limit(limit)
    )
    if level:
        query = query.where(tables.cases.c.warning == level)
    if unit:
        query = query.where(tables.cases.c.unit_code == unit)
    if window_id:
        query = query.where(tables.cases.c.window_id == window_id)
    with uow:
        rows = uow.session.execute(query).all()
    return [view(store.case_from_row(row), row.receipt_number) for row in rows]
