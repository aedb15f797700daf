"""Reading cases: one, a page of them, and the public's view of one with its receipt number and
query code (EQ-4.3); each shown as it stands today (a paused case's due date moves)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.registry.adapters import tables
from services.registry.adapters.repositories import cases as store
from services.registry.adapters.repositories import matters as matter_store
from services.registry.domain import cases as rules
from services.registry.domain.cases import Case
from services.registry.domain.clock import WorkingDays
from services.registry.handlers import open_days
from shared import clock
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork


def code_hash(receipt: str, code: str) -> str:
    return hashlib.sha256(f"{receipt}:{code.upper()}".encode()).hexdigest()


def _shown(session: Session, case: Case, calendar: WorkingDays | None) -> Case:
    """The case as shown: a paused case with its due date as it stands today."""
    if calendar is None or not case.paused:
        return case
    days = open_days.window_days(session, case.window_id, calendar)
    return replace(case, due_on=rules.due_as_it_stands(case, days, clock.today()))


def get(
    uow: UnitOfWork, case_id: int, unit: str | None, calendar: WorkingDays | None = None
) -> dict[str, Any]:
    with uow:
        case, row = store.get_case(uow.session, case_id, unit=unit)
        case = _shown(uow.session, case, calendar)
    return view(case, row.receipt_number)


def list_cases(
    uow: UnitOfWork,
    *,
    unit: str | None,
    filters: dict[str, Any],
    after: int,
    limit: int,
    calendar: WorkingDays | None = None,
) -> list[dict[str, Any]]:
    query = (
        select(tables.cases)
        .where(tables.cases.c.id > after)
        .order_by(tables.cases.c.id)
        .limit(limit)
    )
    if unit is not None:
        query = query.where(tables.cases.c.unit_code == unit)
    for name in ("window_id", "matter_code", "stage", "warning", "unit_code"):
        if filters.get(name) is not None:
            query = query.where(tables.cases.c[name] == filters[name])
    if filters.get("open") is not None:
        # `open`, not `open IS true`: PostgreSQL matches only the former to a partial index.
        query = query.where(tables.cases.c.open if filters["open"] else ~tables.cases.c.open)
    with uow:
        rows = uow.session.execute(query).all()
        shown = [_shown(uow.session, store.case_from_row(row), calendar) for row in rows]
    return [view(case, row.receipt_number) for case, row in zip(shown, rows, strict=True)]


def track(
    uow: UnitOfWork, receipt: str, code: str, calendar: WorkingDays | None = None
) -> dict[str, Any]:
    """The public's view of one case: only with its receipt number and query code."""
    with uow:
        row = uow.session.execute(
            select(tables.cases).where(tables.cases.c.receipt_number == receipt)
        ).first()
        if row is None or not hmac.compare_digest(row.query_code_hash, code_hash(receipt, code)):
            raise NotFound("no case with that receipt number and query code")
        matter = matter_store.get_matter(uow.session, row.matter_code, row.matter_version)
        case = _shown(uow.session, store.case_from_row(row), calendar)
    return {
        "receipt_number": receipt,
        "matter_code": case.matter_code,
        "matter_name_zh": matter.name_zh,
        "matter_name_en": matter.name_en,
        "stage": case.stage.value,
        "accepted_on": case.accepted_on,
        "due_on": case.due_on,
        "paused": case.paused,
        "supplement": list(case.supplement),
        "refusal_reason": case.refusal_reason,
        "history": [{"stage": h.stage.value, "on": h.on} for h in case.history],
    }


def view(case: Case, receipt: str) -> dict[str, Any]:
    return {
        "id": case.id,
        "receipt_number": receipt,
        "window_id": case.window_id,
        "unit_code": case.unit_code,
        "matter_code": case.matter_code,
        "matter_version": case.matter_version,
        "applicant": case.applicant,
        "stage": case.stage.value,
        "accepted_on": case.accepted_on,
        "due_on": case.due_on,
        "stage_due_on": case.stage_due_on,
        "limit_days": case.limit_days,
        "extension_days": case.extension_days,
        "extension_allowance": case.extension_allowance,
        "extension_reasons": list(case.extension_reasons),
        "paused": case.paused,
        "pauses": [{"started_on": p.started_on, "ended_on": p.ended_on} for p in case.pauses],
        "supplement": list(case.supplement),
        "refusal_reason": case.refusal_reason,
        "assisted_by": case.assisted_by,
        "warning": case.warning.value,
        "stage_overrun": case.stage_overrun,
        "version": case.version,
        "history": [
            {"stage": h.stage.value, "staff_id": h.staff_id, "at": h.at, "on": h.on, "note": h.note}
            for h in case.history
        ],
    }
