"""Findings (TJ-7.4): recorded from an inspection, a draw or a guidance visit, read, and
withdrawn but never deleted. Their rectification, evidence and the visits have modules of their
own."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, select, update

from services.inspection.adapters.tables import findings as tables
from services.inspection.adapters.tables import learned
from services.inspection.adapters.tables.draws import draws
from services.inspection.contracts import findings as events
from services.inspection.domain import findings as rules
from services.inspection.domain import guidance_visits as visit_rules
from services.inspection.domain.findings import Source, Status, WorkingDays
from services.inspection.handlers import deadlines
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Conflict, Invalid, NotFound
from shared.unit_of_work import UnitOfWork

F = tables.findings


P = tables.guidance_problems


V = tables.guidance_visits


def configured_days() -> int:
    """The hall's rectification deadline (`FINDING_RECTIFICATION_DAYS`), else 10 working days. A
    wrong setting is logged and the default used: it never fails the inspector's record."""
    return deadlines.from_environment(
        "FINDING_RECTIFICATION_DAYS", rules.configured_days, rules.RECTIFICATION_WORKDAYS
    )


def window_row(uow: UnitOfWork, window_id: int, unit: str | None) -> Any:
    row = uow.session.execute(
        select(learned.windows).where(learned.windows.c.id == window_id)
    ).first()
    if row is None or not rules.can_see(unit, (row.unit_code, *row.co_units)):
        raise NotFound(f"inspection knows no window {window_id}", field="window_id")
    return row


def visible_windows(uow: UnitOfWork, unit: str) -> list[int]:
    """The windows a unit token sees: its own and the ones it shares (few per unit)."""
    rows = uow.session.execute(
        select(learned.windows.c.id, learned.windows.c.unit_code, learned.windows.c.co_units)
    )
    return [r.id for r in rows if rules.can_see(unit, (r.unit_code, *r.co_units))]


def finding_row(uow: UnitOfWork, finding_id: int, unit: str | None) -> Any:
    row = uow.session.execute(select(F).where(F.c.id == finding_id)).first()
    if row is None or (unit is not None and row.window_id not in visible_windows(uow, unit)):
        raise NotFound(f"no finding {finding_id}")
    return row


def finding_ref(row: Any) -> dict[str, Any]:
    return {
        "finding_id": row["id"],
        **{
            k: row[k] for k in ("window_id", "unit_code", "case_id", "staff_id", "severity", "rule")
        },
    }


def finding_view(values: Mapping[Any, Any], today: date | None = None) -> dict[str, Any]:
    due, status = values["rectification_due_on"], Status(values["status"])
    return {**values, "overdue": rules.is_overdue(status, due, today or clock.today())}


def move(uow: UnitOfWork, row: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """Changes a finding from the status it was read in: of two concurrent changes one wins and
    the other is a 409, never both."""
    moved: Any = uow.session.execute(
        update(F).where(F.c.id == row.id, F.c.status == row.status).values(changes)
    )
    if not moved.rowcount:
        raise Conflict(
            f"finding {row.id} changed meanwhile; reload it", rule=rules.INSPECTION, field="status"
        )
    return {**row._mapping, **changes}


def record_finding(
    uow: UnitOfWork, body: dict[str, Any], calendar: WorkingDays, today: date | None = None
) -> dict[str, Any]:
    """An inspector or the authority records a finding; it is an event at once (TJ-7.4)."""
    with uow:
        values = insert_finding(uow, body, calendar, today or clock.today())
        uow.commit()
    return finding_view(values)


def insert_finding(
    uow: UnitOfWork, body: dict[str, Any], calendar: WorkingDays, today: date
) -> Any:
    window = window_row(uow, body["window_id"], None)
    rules.check_window_for_finding(window.id, window.state)
    rule = rules.rule_breached(body["rule"])
    if body.get("case_id") is not None:
        case_window = uow.session.execute(
            select(learned.cases.c.window_id).where(learned.cases.c.case_id == body["case_id"])
        ).scalar()
        rules.check_case(window.id, body["case_id"], case_window)
    source = rules.source_of(body["source"])
    rules.check_source(source, body.get("source_id"), body.get("problem_number"))
    if source is Source.GUIDANCE_VISIT:
        linked = _check_problem(uow, window.id, body["source_id"], body["problem_number"])
    if source in rules.DRAW_KINDS and body.get("source_id") is not None:
        drawn = _drawn(uow, body["source_id"])
        rules.check_drawn(source, body["source_id"], drawn, window.id, body.get("case_id"))
    if body.get("corrects_id") is not None:
        earlier = uow.session.execute(select(F).where(F.c.id == body["corrects_id"])).first()
        rules.check_correction(
            window.id,
            body["corrects_id"],
            earlier.status if earlier else None,
            earlier.window_id if earlier else None,
        )
    days = rules.rectification_days(body.get("rectification_days"), configured_days())
    now = clock.now()
    values = {
        "window_id": window.id,
        "unit_code": window.unit_code,
        "case_id": body.get("case_id"),
        "staff_id": (body.get("staff_id") or "").strip() or None,
        "severity": rules.severity_of(body["severity"]).value,
        "rule": rule,
        "summary": rules.text(body["summary"], "summary", "what was found"),
        "rectification": rules.text(body["rectification"], "rectification", "what to put right"),
        "rectification_due_on": rules.due_on(calendar, today, days),
        "source": source.value,
        "source_id": body.get("source_id"),
        "problem_number": body.get("problem_number"),
        "corrects_id": body.get("corrects_id"),
        "status": Status.OPEN.value,
        "recorded_by": uow.actor or "unknown",
        "recorded_at": now,
        "recorded_on": today,
        **dict.fromkeys(("overdue_at", "withdrawn_reason", "withdrawn_by", "withdrawn_at")),
    }
    values["id"] = insert_returning_id(uow.session, F, values)
    if source is Source.GUIDANCE_VISIT:
        _link(uow, body["source_id"], body["problem_number"], linked, values["id"])
    data = {**finding_ref(values), "summary": values["summary"], "recorded_at": now}
    uow.emit(events.FINDING_RECORDED.name, subject=str(values["id"]), data=data)
    return values


def _drawn(uow: UnitOfWork, draw_id: int) -> rules.Drawn | None:
    row = uow.session.execute(select(draws).where(draws.c.id == draw_id)).first()
    if row is None:
        return None
    picked = {w["window_id"]: frozenset(w.get("case_ids", ())) for w in row.selection}
    return rules.Drawn(row.kind, row.superseded_by, picked)


def _check_problem(uow: UnitOfWork, window_id: int, visit_id: int, number: int) -> int | None:
    """The finding the problem is linked to now (a withdrawn one, or None), once checked."""
    visit = uow.session.execute(select(V).where(V.c.id == visit_id)).first()
    if visit is None:
        raise Invalid(f"no guidance visit {visit_id}", rule=rules.GUIDANCE, field="source_id")
    problems = {
        r.number: r.finding_id
        for r in uow.session.execute(select(P).where(P.c.visit_id == visit_id))
    }
    linked = problems.get(number)
    status = uow.session.execute(select(F.c.status).where(F.c.id == linked)).scalar()
    taken = None if status in (None, Status.WITHDRAWN) else linked
    visit_rules.check_visit_problem(window_id, visit.window_id, number, len(problems), taken)
    return linked


def _link(uow: UnitOfWork, visit_id: int, number: int, linked: int | None, finding: int) -> None:
    """Only if no one linked the problem meanwhile: one finding per problem, even in a race."""
    was = P.c.finding_id.is_(None) if linked is None else P.c.finding_id == linked
    moved: Any = uow.session.execute(
        update(P)
        .where(P.c.visit_id == visit_id, P.c.number == number, was)
        .values(finding_id=finding)
    )
    if not moved.rowcount:
        raise Conflict(
            f"problem {number} was recorded meanwhile", rule=rules.GUIDANCE, field="problem_number"
        )


def get_finding(uow: UnitOfWork, finding_id: int, unit: str | None) -> dict[str, Any]:
    """A finding with its evidence (without the bytes) and each rectification report."""
    with uow:
        row = finding_row(uow, finding_id, unit)
        reports = uow.session.execute(
            select(tables.rectifications)
            .where(tables.rectifications.c.finding_id == finding_id)
            .order_by(tables.rectifications.c.id)
        )
        return {
            **finding_view(row._mapping),
            "rectifications": [dict(r._mapping) for r in reports],
            "evidence": evidence_list(uow, finding_id),
        }


def in_period(stmt: Select[Any], column: Any, query: dict[str, Any]) -> Select[Any]:
    if query.get("from_") is not None:
        stmt = stmt.where(column >= query["from_"])
    if query.get("to") is not None:
        stmt = stmt.where(column <= query["to"])
    return stmt


def list_findings(
    uow: UnitOfWork, unit: str | None, query: dict[str, Any], after: int | None, limit: int
) -> list[dict[str, Any]]:
    stmt = select(F).order_by(F.c.id).limit(limit)
    for name in ("window_id", "unit_code", "severity", "status", "rule", "case_id", "staff_id"):
        if query.get(name) is not None:
            stmt = stmt.where(F.c[name] == query[name])
    stmt = in_period(stmt, F.c.recorded_on, query)
    if after is not None:
        stmt = stmt.where(F.c.id > after)
    with uow:
        if unit is not None:
            stmt = stmt.where(F.c.window_id.in_(visible_windows(uow, unit)))
        return [finding_view(row._mapping) for row in uow.session.execute(stmt)]


def withdraw(uow: UnitOfWork, finding_id: int, reason: str) -> dict[str, Any]:
    """A wrong finding is withdrawn with the reason and stays listed; it no longer counts."""
    with uow:
        row = finding_row(uow, finding_id, None)
        status = rules.withdraw(Status(row.status), reason)
        changes = {
            "status": status.value,
            "withdrawn_reason": reason.strip(),
            "withdrawn_by": uow.actor or "unknown",
            "withdrawn_at": clock.now(),
        }
        values = move(uow, row, changes)
        data = {
            **finding_ref(values),
            "reason": changes["withdrawn_reason"],
            "withdrawn_at": changes["withdrawn_at"],
        }
        uow.emit(events.FINDING_WITHDRAWN.name, subject=str(finding_id), data=data)
        uow.commit()
    return finding_view(values)


E = tables.finding_evidence


EVIDENCE_COLUMNS = [c for c in E.c if c.name != "data"]


def evidence_list(uow: UnitOfWork, finding_id: int) -> list[dict[str, Any]]:
    rows = uow.session.execute(
        select(*EVIDENCE_COLUMNS).where(E.c.finding_id == finding_id).order_by(E.c.id)
    )
    return [dict(r._mapping) for r in rows]
