"""Guidance visits (TJ-7.2): the authority or the unit visits a window and records the problems
it saw, each a finding."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from services.inspection.contracts import findings as events
from services.inspection.domain import findings as rules
from services.inspection.domain import guidance_visits as visit_rules
from services.inspection.domain.findings import Source, WorkingDays
from services.inspection.handlers.findings import (
    P,
    V,
    in_period,
    insert_finding,
    visible_windows,
    window_row,
)
from shared import clock
from shared.db import insert_returning_id
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork


def record_visit(
    uow: UnitOfWork,
    role: str,
    unit: str | None,
    body: dict[str, Any],
    calendar: WorkingDays,
    today: date | None = None,
) -> dict[str, Any]:
    """The authority (any window) or a unit (its own) records a visit and the problems found;
    the authority may record each problem as a finding at once."""
    on = today or clock.today()
    visit_rules.check_visitor(role)
    problems = body.get("problems") or []
    visit_rules.check_findings_in_visit(role, any(p.get("finding") for p in problems))
    with uow:
        window = window_row(uow, body["window_id"], unit)
        visitors, summary = visit_rules.check_visit(
            window.id, window.state, body["visited_on"], on, body["visitors"], body["summary"]
        )
        now = clock.now()
        values = {
            "window_id": window.id,
            "unit_code": window.unit_code,
            "visited_on": body["visited_on"],
            "visitor_role": role,
            "visitor_unit": unit,
            "visitors": visitors,
            "summary": summary,
            "recorded_by": uow.actor or "unknown",
            "recorded_at": now,
        }
        described = [
            rules.text(p["description"], f"problems.{n}.description", "what the problem is")
            for n, p in enumerate(problems)
        ]
        visit_id = insert_returning_id(uow.session, V, values)
        for number, description in enumerate(described, start=1):
            uow.session.execute(
                P.insert().values(
                    visit_id=visit_id, number=number, description=description, finding_id=None
                )
            )
        finding_ids = [
            insert_finding(uow, _finding_body(window.id, visit_id, n, p, described), calendar, on)[
                "id"
            ]
            for n, p in enumerate(problems, start=1)
            if p.get("finding")
        ]
        data = {**values, "visit_id": visit_id, "problems": described, "finding_ids": finding_ids}
        del data["recorded_by"]
        uow.emit(events.GUIDANCE_VISIT_RECORDED.name, subject=str(visit_id), data=data)
        view = _visit_views(uow, [uow.session.execute(select(V).where(V.c.id == visit_id)).one()])
        uow.commit()
    return view[0]


def _finding_body(
    window_id: int, visit_id: int, number: int, problem: dict[str, Any], described: list[str]
) -> dict[str, Any]:
    """A problem recorded as a finding at the visit: its description is the summary unless the
    authority words the finding otherwise."""
    finding = problem["finding"]
    return {
        **finding,
        "window_id": window_id,
        "summary": finding.get("summary") or described[number - 1],
        "source": Source.GUIDANCE_VISIT.value,
        "source_id": visit_id,
        "problem_number": number,
    }


def _visit_views(uow: UnitOfWork, rows: list[Any]) -> list[dict[str, Any]]:
    """Visits with their problems, read in one query for the whole page."""
    found: dict[int, list[dict[str, Any]]] = {row.id: [] for row in rows}
    problems = select(P).where(P.c.visit_id.in_(list(found))).order_by(P.c.visit_id, P.c.number)
    for p in uow.session.execute(problems):
        found[p.visit_id].append(
            {"number": p.number, "description": p.description, "finding_id": p.finding_id}
        )
    return [{**row._mapping, "problems": found[row.id]} for row in rows]


def get_visit(uow: UnitOfWork, visit_id: int, unit: str | None) -> dict[str, Any]:
    with uow:
        row = uow.session.execute(select(V).where(V.c.id == visit_id)).first()
        if row is None or (unit is not None and row.window_id not in visible_windows(uow, unit)):
            raise NotFound(f"no guidance visit {visit_id}")
        return _visit_views(uow, [row])[0]


def list_visits(
    uow: UnitOfWork, unit: str | None, query: dict[str, Any], after: int | None, limit: int
) -> list[dict[str, Any]]:
    stmt = select(V).order_by(V.c.id).limit(limit)
    for name in ("window_id", "unit_code"):
        if query.get(name) is not None:
            stmt = stmt.where(V.c[name] == query[name])
    stmt = in_period(stmt, V.c.visited_on, query)
    if after is not None:
        stmt = stmt.where(V.c.id > after)
    with uow:
        if unit is not None:
            stmt = stmt.where(V.c.window_id.in_(visible_windows(uow, unit)))
        return _visit_views(uow, list(uow.session.execute(stmt).all()))
