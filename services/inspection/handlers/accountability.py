"""Accountability cases (TJ-8.3): opened on complaints or findings of misconduct, the district's
opinion heard, concluded with an outcome against the staff member, and corrected by a new one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import aliased

from services.inspection.adapters.tables import complaints as complaint_tables
from services.inspection.adapters.tables import findings as finding_tables
from services.inspection.adapters.tables import learned
from services.inspection.adapters.tables import proposals as tables
from services.inspection.contracts import proposals as events
from services.inspection.contracts import sanctions as sanction_events
from services.inspection.domain import accountability as accountability_rules
from services.inspection.domain import proposals as rules
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound, StateConflict
from shared.unit_of_work import UnitOfWork

CASES, OUTCOMES = tables.accountability_cases, tables.accountability_outcomes


def open_case(uow: UnitOfWork, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """Open a case against a staff member on the complaints and findings that concern them."""
    kind = accountability_rules.check_misconduct(body["kind"])
    staff_id = accountability_rules.text(body["staff_id"], "staff_id", 63)
    values: dict[str, Any] = {
        "kind": kind,
        "staff_id": staff_id,
        "summary": accountability_rules.text(body.get("summary"), "summary"),
        "district_office": accountability_rules.text(
            body.get("district_office"), "district_office", 200
        ),
        "district_contact": accountability_rules.text(
            body.get("district_contact"), "district_contact", 200
        ),
    }
    complaint_ids = sorted(set(body.get("complaints") or ()))
    finding_ids = sorted(set(body.get("findings") or ()))
    with uow:
        basis = _basis(uow, complaint_ids, finding_ids)
        window_id = accountability_rules.check_basis(staff_id, basis)
        window = uow.session.execute(
            select(learned.windows).where(learned.windows.c.id == window_id)
        )
        unit_code = window.one().unit_code
        district = uow.session.execute(
            select(learned.units.c.district).where(learned.units.c.code == unit_code)
        ).scalar()
        values.update(
            window_id=window_id,
            unit_code=unit_code,
            complaints=complaint_ids,
            findings=finding_ids,
            district=district or "",
            status="open",
            opened_by=actor,
            opened_at=clock.now(),
        )
        case_id = insert_returning_id(uow.session, CASES, values)
        row = _case_row(uow, case_id, None)
        _emit_case(uow, events.ACCOUNTABILITY_OPENED, row, opened_at=row.opened_at)
        uow.commit()
        return _case_view(uow, row)


def _basis(uow: UnitOfWork, complaint_ids: list[int], finding_ids: list[int]) -> list[Any]:
    c, f = complaint_tables.complaints, finding_tables.findings
    later = aliased(c)
    corrected = exists().where(later.c.corrects_id == c.c.id)
    found_c = {
        row.id: row
        for row in uow.session.execute(
            select(c, corrected.label("corrected")).where(c.c.id.in_(complaint_ids))
        )
    }
    found_f = {row.id: row for row in uow.session.execute(select(f).where(f.c.id.in_(finding_ids)))}
    for ids, found, name in (
        (complaint_ids, found_c, "complaints"),
        (finding_ids, found_f, "findings"),
    ):
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(f"no {name[:-1]} {missing[0]}", field=name)
    basis = [
        accountability_rules.Basis(
            "complaint",
            row.id,
            row.window_id,
            row.staff_id,
            row.status == "upheld" and not row.corrected,
            row.misconduct,
        )
        for row in found_c.values()
    ]
    basis += [
        accountability_rules.Basis(
            "finding", row.id, row.window_id, row.staff_id, row.status != "withdrawn"
        )
        for row in found_f.values()
    ]
    return basis


def record_opinion(
    uow: UnitOfWork, case_id: int, body: dict[str, Any], actor: str
) -> dict[str, Any]:
    """The district's opinion on the case (TJ-8.3: handled jointly); a later one is recorded
    over an earlier one only before the case is concluded."""
    opinion = accountability_rules.text(body.get("opinion"), "opinion")
    given_by = accountability_rules.text(body.get("given_by"), "given_by", 200)
    with uow:
        row = _case_row(uow, case_id, None)
        if row.status == "concluded":
            raise StateConflict(f"accountability case {case_id} is concluded", field="opinion")
        now = clock.now()
        changes: dict[str, Any] = {
            "district_opinion": opinion,
            "opinion_given_by": given_by,
            "status": "heard",
        }
        changes.update(opinion_recorded_by=actor, opinion_recorded_at=now)
        uow.session.execute(update(CASES).where(CASES.c.id == case_id).values(changes))
        row = _case_row(uow, case_id, None)
        _emit_case(uow, events.DISTRICT_OPINION_RECORDED, row, given_by=given_by, recorded_at=now)
        uow.commit()
        return _case_view(uow, row)


def conclude(uow: UnitOfWork, case_id: int, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """The outcome, once the district has been heard; a concluded case is corrected instead."""
    outcome = accountability_rules.check_outcome(body["outcome"])
    reasons = accountability_rules.text(body.get("reasons"), "reasons")
    with uow:
        row = _case_row(uow, case_id, None)
        accountability_rules.check_heard(row.district_opinion, case_id)
        if row.status == "concluded":
            raise StateConflict(
                f"accountability case {case_id} is concluded: correct its outcome instead",
                field="outcome",
            )
        done: Any = uow.session.execute(
            update(CASES)
            .where(CASES.c.id == case_id, CASES.c.status != "concluded")
            .values(status="concluded")
        )
        if not done.rowcount:
            raise Conflict(f"accountability case {case_id} was concluded meanwhile")
        _decide(uow, row, outcome, reasons, actor, None)
        uow.commit()
        return _case_view(uow, row)


def correct_outcome(
    uow: UnitOfWork, case_id: int, body: dict[str, Any], actor: str
) -> dict[str, Any]:
    """A new outcome that replaces the one standing; the earlier stays on record."""
    outcome = accountability_rules.check_outcome(body["outcome"])
    reasons = accountability_rules.text(body.get("reasons"), "reasons")
    with uow:
        row = _case_row(uow, case_id, None)
        standing = _outcomes(uow, case_id)
        if not standing:
            raise StateConflict(
                f"accountability case {case_id} is not concluded yet", field="outcome"
            )
        _decide(uow, row, outcome, reasons, actor, standing[-1])
        uow.commit()
        return _case_view(uow, row)


def _decide(
    uow: UnitOfWork, row: Any, outcome: str, reasons: str, actor: str, earlier: Any
) -> None:
    """Record the outcome and announce it: to staffing as the staff member's assessment input,
    and, when it sanctions (or no longer does), as a sanction of kind accountability."""
    now = clock.now()
    values = {"case_id": row.id, "outcome": outcome, "reasons": reasons, "decided_by": actor}
    values["rule"] = rules.RULE_ACCOUNTABILITY
    values.update(decided_at=now, corrects_id=earlier.id if earlier else None)
    outcome_id = insert_returning_id(uow.session, OUTCOMES, values)
    _emit_case(
        uow,
        events.ACCOUNTABILITY_CONCLUDED,
        row,
        outcome_id=outcome_id,
        outcome=outcome,
        rule=rules.RULE_ACCOUNTABILITY,
        concluded_at=now,
        corrects_outcome_id=earlier.id if earlier else None,
        previous_outcome=earlier.outcome if earlier else None,
    )
    before = earlier is not None and accountability_rules.sanctions(earlier.outcome)
    if accountability_rules.sanctions(outcome) != before:
        event = (
            sanction_events.SANCTION_IMPOSED
            if accountability_rules.sanctions(outcome)
            else sanction_events.SANCTION_LIFTED
        )
        sanction = {
            "sanction_id": row.id,
            "kind": "accountability",
            "window_id": row.window_id,
            "unit_code": row.unit_code,
            "basis": rules.RULE_ACCOUNTABILITY,
            "reason": f"{row.kind} by staff member {row.staff_id}: {outcome} · {reasons}",
            "at": now,
            "district": row.district,
            "findings": row.findings,
            "complaints": row.complaints,
            "decided_by": actor,
            "case_id": row.id,
        }
        # The case is the subject: apart from the ladder's sanctions, whose subjects are their ids.
        uow.emit(event.name, subject=f"accountability:{row.id}", data=sanction)


def _outcomes(uow: UnitOfWork, case_id: int) -> list[Any]:
    query = select(OUTCOMES).where(OUTCOMES.c.case_id == case_id).order_by(OUTCOMES.c.id)
    return list(uow.session.execute(query))


def get_case(uow: UnitOfWork, case_id: int, unit: str | None) -> dict[str, Any]:
    with uow:
        return _case_view(uow, _case_row(uow, case_id, unit))


def list_cases(
    uow: UnitOfWork, query: dict[str, Any], unit: str | None, after: int | None, limit: int
) -> list[dict[str, Any]]:
    """Newest first; a unit sees its own staff's."""
    statement = select(CASES).order_by(CASES.c.id.desc()).limit(limit)
    if unit is not None:
        statement = statement.where(CASES.c.unit_code == unit)
    for name in ("status", "staff_id", "window_id", "kind", "unit_code"):
        if query.get(name) is not None:
            statement = statement.where(CASES.c[name] == query[name])
    if after is not None:
        statement = statement.where(CASES.c.id < after)
    with uow:
        return [_case_view(uow, row) for row in uow.session.execute(statement).all()]


def _case_row(uow: UnitOfWork, case_id: int, unit: str | None) -> Any:
    statement = select(CASES).where(CASES.c.id == case_id)
    if unit is not None:
        statement = statement.where(CASES.c.unit_code == unit)
    row = uow.session.execute(statement).first()
    if row is None:
        raise NotFound(f"no accountability case {case_id}")
    return row


def _case_view(uow: UnitOfWork, row: Any) -> dict[str, Any]:
    outcomes = [dict(o._mapping) for o in _outcomes(uow, row.id)]
    current = _case_row(uow, row.id, None)
    return {
        **current._mapping,
        "outcome": outcomes[-1]["outcome"] if outcomes else None,
        "outcomes": outcomes,
    }


def _emit_case(uow: UnitOfWork, event: Any, row: Any, **extra: Any) -> None:
    keys = ("staff_id", "unit_code", "window_id", "kind", "findings", "complaints", "district")
    data = {"case_id": row.id, **{k: row._mapping[k] for k in keys}, **extra}
    if event is events.ACCOUNTABILITY_OPENED:
        data.update(district_office=row.district_office, district_contact=row.district_contact)
    uow.emit(event.name, subject=str(row.id), data=data)
