"""Findings (TJ-7.4) and guidance visits (TJ-7.2): recorded, evidenced, rectified by a deadline
in working days (TJ-8.1), withdrawn but never deleted; a missed deadline is announced once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select, update

from services.inspection.adapters.tables import findings as tables
from services.inspection.adapters.tables import learned
from services.inspection.adapters.tables.draws import draws
from services.inspection.contracts import findings as events
from services.inspection.domain import findings as rules
from services.inspection.domain.findings import Source, Status, WorkingDays
from services.inspection.handlers import deadlines
from shared import clock
from shared.db import UnitOfWork, insert_returning_id
from shared.errors import Conflict, Invalid, NotFound, StateConflict
from shared.service import ServiceRuntime, Sweep

F = tables.findings
P = tables.guidance_problems
V = tables.guidance_visits


def configured_days() -> int:
    """The hall's rectification deadline (`FINDING_RECTIFICATION_DAYS`), else 10 working days. A
    wrong setting is logged and the default used: it never fails the inspector's record."""
    return deadlines.from_environment(
        "FINDING_RECTIFICATION_DAYS", rules.configured_days, rules.RECTIFICATION_WORKDAYS
    )


def _window(uow: UnitOfWork, window_id: int, unit: str | None) -> Any:
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


def _finding(uow: UnitOfWork, finding_id: int, unit: str | None) -> Any:
    row = uow.session.execute(select(F).where(F.c.id == finding_id)).first()
    if row is None or (unit is not None and row.window_id not in visible_windows(uow, unit)):
        raise NotFound(f"no finding {finding_id}")
    return row


def _ref(row: Any) -> dict[str, Any]:
    return {
        "finding_id": row["id"],
        **{
            k: row[k] for k in ("window_id", "unit_code", "case_id", "staff_id", "severity", "rule")
        },
    }


def _view(values: Mapping[Any, Any], today: date | None = None) -> dict[str, Any]:
    due, status = values["rectification_due_on"], Status(values["status"])
    return {**values, "overdue": rules.is_overdue(status, due, today or clock.today())}


def _move(uow: UnitOfWork, row: Any, changes: dict[str, Any]) -> dict[str, Any]:
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
        values = _record(uow, body, calendar, today or clock.today())
        uow.commit()
    return _view(values)


def _record(uow: UnitOfWork, body: dict[str, Any], calendar: WorkingDays, today: date) -> Any:
    window = _window(uow, body["window_id"], None)
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
    data = {**_ref(values), "summary": values["summary"], "recorded_at": now}
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
    rules.check_visit_problem(window_id, visit.window_id, number, len(problems), taken)
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
        row = _finding(uow, finding_id, unit)
        reports = uow.session.execute(
            select(tables.rectifications)
            .where(tables.rectifications.c.finding_id == finding_id)
            .order_by(tables.rectifications.c.id)
        )
        return {
            **_view(row._mapping),
            "rectifications": [dict(r._mapping) for r in reports],
            "evidence": _evidence_list(uow, finding_id),
        }


def _period(stmt: Select[Any], column: Any, query: dict[str, Any]) -> Select[Any]:
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
    stmt = _period(stmt, F.c.recorded_on, query)
    if after is not None:
        stmt = stmt.where(F.c.id > after)
    with uow:
        if unit is not None:
            stmt = stmt.where(F.c.window_id.in_(visible_windows(uow, unit)))
        return [_view(row._mapping) for row in uow.session.execute(stmt)]


def withdraw(uow: UnitOfWork, finding_id: int, reason: str) -> dict[str, Any]:
    """A wrong finding is withdrawn with the reason and stays listed; it no longer counts."""
    with uow:
        row = _finding(uow, finding_id, None)
        status = rules.withdraw(Status(row.status), reason)
        changes = {
            "status": status.value,
            "withdrawn_reason": reason.strip(),
            "withdrawn_by": uow.actor or "unknown",
            "withdrawn_at": clock.now(),
        }
        values = _move(uow, row, changes)
        data = {
            **_ref(values),
            "reason": changes["withdrawn_reason"],
            "withdrawn_at": changes["withdrawn_at"],
        }
        uow.emit(events.FINDING_WITHDRAWN.name, subject=str(finding_id), data=data)
        uow.commit()
    return _view(values)


# Rectification by the deadline (TJ-8.1)

R = tables.rectifications


def _emit_rectification(uow: UnitOfWork, event: Any, values: dict[str, Any], **extra: Any) -> None:
    data = {
        **_ref(values),
        "rectification": values["rectification"],
        "due_on": values["rectification_due_on"],
        "report": extra.get("report"),
        "note": extra.get("note"),
        "at": clock.now(),
    }
    uow.emit(event.name, subject=str(values["id"]), data=data)


def report_rectification(
    uow: UnitOfWork, finding_id: int, unit: str | None, report: str
) -> dict[str, Any]:
    """The unit ordered to rectify says it has; the inspectors verify."""
    with uow:
        row = _finding(uow, finding_id, unit)
        rules.check_reporter(row.unit_code, unit)
        status = rules.report_rectification(Status(row.status))
        text = rules.text(report, "report", "how the finding was put right")
        uow.session.execute(
            R.insert().values(
                finding_id=finding_id,
                report=text,
                reported_by=uow.actor or "unknown",
                reported_at=clock.now(),
                due_on=row.rectification_due_on,
            )
        )
        values = _move(uow, row, {"status": status.value})
        _emit_rectification(uow, events.RECTIFICATION_REPORTED, values, report=text)
        uow.commit()
    return _view(values)


def verify(
    uow: UnitOfWork,
    finding_id: int,
    body: dict[str, Any],
    calendar: WorkingDays,
    today: date | None = None,
) -> dict[str, Any]:
    """The inspectors accept the rectification, or reject it with what is still wrong and a new
    deadline (the missed-deadline announcement is owed again for it)."""
    on = today or clock.today()
    with uow:
        row = _finding(uow, finding_id, None)
        note = (body.get("note") or "").strip()
        status = rules.verify(Status(row.status), body["accepted"], note)
        changes: dict[str, Any] = {"status": status.value}
        if status is Status.OPEN:
            days = rules.rectification_days(body.get("rectification_days"), configured_days())
            changes |= {
                "rectification_due_on": rules.due_on(calendar, on, days),
                "overdue_at": None,
            }
        pending = uow.session.execute(
            select(func.max(R.c.id)).where(R.c.finding_id == finding_id, R.c.accepted.is_(None))
        ).scalar()
        verdict = {"accepted": body["accepted"], "note": note or None, "verified_at": clock.now()}
        uow.session.execute(
            update(R).where(R.c.id == pending).values(verified_by=uow.actor, **verdict)
        )
        values = _move(uow, row, changes)
        event = events.FINDING_RECTIFIED if body["accepted"] else events.RECTIFICATION_REJECTED
        _emit_rectification(uow, event, values, note=note or None)
        uow.commit()
    return _view(values, on)


def overdue_sweep(rt: ServiceRuntime) -> int:
    """Announces, once per finding and deadline, a rectification not reported in time."""
    today = clock.today()
    announced = 0
    with rt.uow(actor="system:sweep") as uow:
        due = uow.session.execute(
            select(F).where(
                F.c.status == Status.OPEN.value,
                F.c.rectification_due_on < today,
                F.c.overdue_at.is_(None),
            )
        ).all()
        for row in due:
            claimed: Any = uow.session.execute(
                update(F)
                .where(F.c.id == row.id, F.c.overdue_at.is_(None))
                .values(overdue_at=clock.now())
            )
            if claimed.rowcount:
                _emit_rectification(uow, events.RECTIFICATION_OVERDUE, dict(row._mapping))
                announced += 1
        uow.commit()
    return announced


# Evidence

E = tables.finding_evidence
EVIDENCE_COLUMNS = [c for c in E.c if c.name != "data"]


def add_evidence(
    uow: UnitOfWork,
    finding_id: int,
    unit: str | None,
    upload: tuple[str | None, str | None, bytes],
    description: str,
    replaces_id: int | None,
) -> dict[str, Any]:
    """Inspectors evidence the finding; the unit ordered to rectify evidences its rectification."""
    with uow:
        row = _finding(uow, finding_id, unit)
        if unit is not None:
            rules.check_reporter(row.unit_code, unit)
        if row.status == Status.WITHDRAWN:
            raise StateConflict(
                "the finding is withdrawn: record evidence on its correction",
                rule=rules.INSPECTION,
                field="file",
            )
        evidence = rules.accept_evidence(*upload)
        kept = {e["id"] for e in _evidence_list(uow, finding_id)}
        if replaces_id is not None and replaces_id not in kept:
            raise Invalid(
                f"finding {finding_id} has no evidence {replaces_id}",
                rule=rules.INSPECTION,
                field="replaces_id",
            )
        values = {
            "finding_id": finding_id,
            "purpose": "finding" if unit is None else "rectification",
            "filename": evidence.filename,
            "content_type": evidence.content_type,
            "size": evidence.size,
            "sha256": evidence.sha256,
            "description": description.strip(),
            "replaces_id": replaces_id,
            "uploaded_by": uow.actor or "unknown",
            "uploaded_at": clock.now(),
        }
        values["id"] = insert_returning_id(uow.session, E, {**values, "data": upload[2]})
        data = {
            **_ref(row._mapping),
            "evidence_id": values["id"],
            "added_at": values["uploaded_at"],
        }
        data |= {
            k: values[k]
            for k in ("purpose", "filename", "content_type", "size", "sha256", "replaces_id")
        }
        uow.emit(events.FINDING_EVIDENCE_ADDED.name, subject=str(finding_id), data=data)
        uow.commit()
    return values


def _evidence_list(uow: UnitOfWork, finding_id: int) -> list[dict[str, Any]]:
    rows = uow.session.execute(
        select(*EVIDENCE_COLUMNS).where(E.c.finding_id == finding_id).order_by(E.c.id)
    )
    return [dict(r._mapping) for r in rows]


def list_evidence(uow: UnitOfWork, finding_id: int, unit: str | None) -> list[dict[str, Any]]:
    with uow:
        _finding(uow, finding_id, unit)
        return _evidence_list(uow, finding_id)


def evidence_file(uow: UnitOfWork, finding_id: int, evidence_id: int, unit: str | None) -> Any:
    """The stored bytes, checked against their SHA-256 before they are served."""
    with uow:
        _finding(uow, finding_id, unit)
        row = uow.session.execute(
            select(E).where(E.c.id == evidence_id, E.c.finding_id == finding_id)
        ).first()
    if row is None:
        raise NotFound(f"finding {finding_id} has no evidence {evidence_id}")
    rules.check_intact(row.id, row.data, row.sha256)
    return row


# Guidance visits (TJ-7.2)


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
    rules.check_visitor(role)
    problems = body.get("problems") or []
    rules.check_findings_in_visit(role, any(p.get("finding") for p in problems))
    with uow:
        window = _window(uow, body["window_id"], unit)
        visitors, summary = rules.check_visit(
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
            _record(uow, _finding_body(window.id, visit_id, n, p, described), calendar, on)["id"]
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
    stmt = _period(stmt, V.c.visited_on, query)
    if after is not None:
        stmt = stmt.where(V.c.id > after)
    with uow:
        if unit is not None:
            stmt = stmt.where(V.c.window_id.in_(visible_windows(uow, unit)))
        return _visit_views(uow, list(uow.session.execute(stmt).all()))


SWEEPS: tuple[Sweep, ...] = (Sweep("findings-rectification-overdue", 3600, overdue_sweep),)
