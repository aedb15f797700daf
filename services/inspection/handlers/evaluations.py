"""Satisfaction evaluations (TJ-7.5): the public's of a case, the unit's of its window, and the
rectification task a bad review opens. What follows a bad review (the callback, the report, the
center's review, the appeal) is in `bad_reviews`; the monthly ranking in `rankings`.

Writes answer with the applicant's contact masked; it is shown in full, and the read logged,
only when the evaluated unit or the center asks for one evaluation or one task.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select, update

from services.inspection.adapters.tables import evaluations as tables
from services.inspection.adapters.tables import learned
from services.inspection.contracts import evaluations as events
from services.inspection.domain import evaluations as rules
from services.inspection.domain.evaluations import Level, Source, TaskStatus, WorkingDays
from services.inspection.handlers import deadlines, rankings
from services.inspection.handlers.personal_data_reads import record_personal_read
from shared import clock, receipts
from shared.auth import Principal
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound
from shared.service import ServiceRuntime, Sweep
from shared.unit_of_work import UnitOfWork

KIND = "evaluation"  # record_kind of this area's personal-data reads
CONTACT = ["applicant_name", "applicant_phone"]
evaluations, tasks = tables.evaluations, tables.rectifications


def rectification_days() -> int:
    """`BAD_REVIEW_RECTIFICATION_DAYS`, else 5. A wrong setting is logged, not the public's
    problem: their review is taken with the default deadline."""
    return deadlines.from_environment(
        "BAD_REVIEW_RECTIFICATION_DAYS", rules.rectification_days, rules.RECTIFICATION_WORKDAYS
    )


# -- the public's evaluation of a case -----------------------------------------------------------
@functools.cache
def _decoy() -> str:
    return receipts.verifier("0", "decoy")


def _case(uow: UnitOfWork, receipt: str, code: str) -> Any:
    """The case with this receipt number and query code. An unknown receipt is checked against
    a decoy, so it answers as slowly as, and the same as, a wrong code: nothing can be probed."""
    receipt = receipt.strip()
    row = uow.session.execute(
        select(learned.cases).where(learned.cases.c.receipt_number == receipt)
    ).first()
    verified = receipts.verify(row.query_code_verifier if row else _decoy(), receipt, code)
    if row is None or not verified:
        said = "no case has that receipt number and query code"
        raise NotFound(said, errors={"receipt_number": [said], "query_code": [said]})
    return row


def submit(
    uow: UnitOfWork, body: dict[str, Any], calendar: WorkingDays, today: date | None = None
) -> dict[str, Any]:
    """One evaluation per case; a bad review opens the unit's rectification task (TJ-7.5)."""
    level = rules.level_of(body["level"])
    contact = rules.contact_for(level, body.get("applicant_name"), body.get("applicant_phone"))
    with uow:
        case = _case(uow, body["receipt_number"], body["query_code"])
        taken = uow.session.execute(
            select(evaluations.c.id).where(evaluations.c.case_id == case.case_id)
        ).first()
        if taken is not None:  # a race past this check meets the unique case_id: 409 too
            raise Conflict(
                "this case has been evaluated already: one evaluation per case (TJ-7.5)",
                rule=rules.RULE,
                field="receipt_number",
            )
        values = {
            **_common(level, body, "public", today),
            "source": Source.PUBLIC.value,
            "case_id": case.case_id,
            "window_id": case.window_id,
            "unit_code": case.unit_code,
            "staff_id": case.staff_id or None,  # who accepted the case (EQ-3.2.2a)
            "applicant_name": contact.name if contact else None,
            "applicant_phone": contact.phone if contact else None,
        }
        row = evaluation_row(uow, insert_returning_id(uow.session, evaluations, values), None)
        _emit_evaluation(uow, events.EVALUATION_SUBMITTED, row)
        task = _open_task(uow, row, calendar) if rules.opens_task(level, case.stage) else None
        uow.commit()
    return {**view(row, full=False), "callback_due_on": task.due_on if task else None}


def _common(level: Level, body: dict[str, Any], by: str, today: date | None) -> dict[str, Any]:
    return {
        "level": level.value,
        "score": level.score,
        "text": body.get("text", "").strip(),
        "submitted_by": by,
        "submitted_at": clock.now(),
        "submitted_on": today or clock.today(),
    }


def _open_task(uow: UnitOfWork, evaluation: Any, calendar: WorkingDays) -> Any:
    due_on = rules.rectification_due(calendar, evaluation.submitted_on, rectification_days())
    values = {
        "evaluation_id": evaluation.id,
        "window_id": evaluation.window_id,
        "unit_code": evaluation.unit_code,
        "status": TaskStatus.OPEN.value,
        "opened_at": evaluation.submitted_at,
        "due_on": due_on,
        "summary": "",
        "review_note": "",
        "reopened": 0,
    }
    task = task_row(uow, insert_returning_id(uow.session, tasks, values), None)
    emit_task(uow, events.RECTIFICATION_OPENED, task, evaluation)
    return task


# -- the unit's evaluation of its window ---------------------------------------------------------
def submit_for_window(
    uow: UnitOfWork, unit: str, body: dict[str, Any], actor: str, today: date | None = None
) -> dict[str, Any]:
    """The unit evaluates its own window for a month (TJ-7.5), once."""
    level = rules.level_of(body["level"])
    period = rules.check_period(body["period"], today or clock.today())
    with uow:
        window = uow.session.execute(
            select(learned.windows).where(learned.windows.c.id == body["window_id"])
        ).first()
        if window is None or window.unit_code != unit:
            raise NotFound(f"no window {body['window_id']}", field="window_id")
        taken = uow.session.execute(
            select(evaluations.c.id).where(
                evaluations.c.window_id == window.id, evaluations.c.period == period
            )
        ).first()
        if taken is not None:
            raise Conflict(
                f"the window's {period} is evaluated already", rule=rules.RULE, field="period"
            )
        values = {
            **_common(level, body, actor, today),
            "source": Source.UNIT.value,
            "period": period,
            "window_id": window.id,
            "unit_code": unit,
        }
        row = evaluation_row(uow, insert_returning_id(uow.session, evaluations, values), None)
        _emit_evaluation(uow, events.EVALUATION_SUBMITTED, row)
        uow.commit()
    return view(row, full=False)


# -- reading evaluations -------------------------------------------------------------------------
def evaluation_row(uow: UnitOfWork, evaluation_id: int, unit: str | None) -> Any:
    query = select(evaluations).where(evaluations.c.id == evaluation_id)
    if unit is not None:
        query = query.where(evaluations.c.unit_code == unit)
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound(f"no evaluation {evaluation_id}")
    return row


SHOWN = ("id", "source", "case_id", "period", "window_id", "unit_code", "staff_id", "level")


def view(row: Any, *, full: bool) -> dict[str, Any]:
    name, phone = row.applicant_name, row.applicant_phone
    return {
        **{column: row._mapping[column] for column in SHOWN},
        "score": row.score,
        "text": row.text,
        "bad": Level(row.level).bad,
        "submitted_at": row.submitted_at,
        "submitted_on": row.submitted_on,
        "voided": row.voided_at is not None,
        "voided_at": row.voided_at,
        "applicant_name": name if full or name is None else rules.mask_name(name),
        "applicant_phone": phone if full or phone is None else rules.mask_phone(phone),
        "contact_shown": "none" if name is None else "full" if full else "masked",
    }


def full_for(uow: UnitOfWork, reader: Principal, row: Any) -> bool:
    """Whether `reader` sees the contact in full; if so the read is logged (the caller commits)."""
    if row.applicant_name is None:
        return False
    if not rules.sees_contact(reader.role, reader.unit, row.unit_code):
        return False
    record_personal_read(uow, reader.actor, KIND, row.id, CONTACT)
    return True


def get(uow: UnitOfWork, evaluation_id: int, reader: Principal, unit: str | None) -> dict[str, Any]:
    with uow:
        row = evaluation_row(uow, evaluation_id, unit)
        full = full_for(uow, reader, row)
        uow.commit()  # the log of a full read
    return view(row, full=full)


def list_evaluations(
    uow: UnitOfWork, unit: str | None, query: dict[str, Any], before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Newest first, the contact masked: a list is for finding, one evaluation for reading."""
    conditions: list[ColumnElement[bool]] = []
    if (scope := unit or query.get("unit_code")) is not None:
        conditions.append(evaluations.c.unit_code == scope)
    for name in ("window_id", "level", "source"):
        if query.get(name) is not None:
            conditions.append(evaluations.c[name] == query[name])
    if query.get("bad") is not None:
        bad = evaluations.c.score <= 2
        conditions.append(bad if query["bad"] else ~bad)
    if query.get("month") is not None:
        first, after = rules.month_span(query["month"])
        conditions += [evaluations.c.submitted_on >= first, evaluations.c.submitted_on < after]
    if before is not None:
        conditions.append(evaluations.c.id < before)
    statement = select(evaluations).where(*conditions).order_by(evaluations.c.id.desc())
    with uow:
        rows = uow.session.execute(statement.limit(limit)).all()
    return [view(row, full=False) for row in rows]


def _emit_evaluation(uow: UnitOfWork, event: Any, row: Any) -> None:
    uow.emit(
        event.name,
        subject=str(row.id),
        data={
            "evaluation_id": row.id,
            "case_id": row.case_id,
            "window_id": row.window_id,
            "unit_code": row.unit_code,
            "staff_id": row.staff_id,
            "level": row.level,
            "score": row.score,
            "source": row.source,
            "submitted_at": row.submitted_at,
        },
    )


def void(uow: UnitOfWork, row: Any) -> None:
    """The review no longer counts: staffing drops it from the assessment."""
    uow.session.execute(
        update(evaluations)
        .where(evaluations.c.id == row.id, evaluations.c.voided_at.is_(None))
        .values(voided_at=clock.now())
    )
    _emit_evaluation(uow, events.EVALUATION_VOIDED, row)


# -- the rectification task, as the rest of the area reads and announces it ----------------------
def task_row(uow: UnitOfWork, task_id: int, unit: str | None) -> Any:
    query = select(tasks).where(tasks.c.id == task_id)
    if unit is not None:
        query = query.where(tasks.c.unit_code == unit)
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound(f"no rectification task {task_id}")
    return row


def emit_task(uow: UnitOfWork, event: Any, task: Any, evaluation: Any, note: str = "") -> None:
    uow.emit(
        event.name,
        subject=str(task.id),
        data={
            "rectification_id": task.id,
            "evaluation_id": evaluation.id,
            "case_id": evaluation.case_id,
            "window_id": task.window_id,
            "unit_code": task.unit_code,
            "level": evaluation.level,
            "status": task.status,
            "due_on": task.due_on,
            "called_back": task.called_at is not None,
            "note": note,
            "at": clock.now(),
        },
    )


def overdue_sweep(rt: ServiceRuntime) -> int:
    """Announces, once per task, a deadline passed with no report (TJ-7.5)."""
    today = clock.today()
    announced = 0
    with rt.uow(actor="system:sweep") as uow:
        rows = uow.session.execute(
            select(tasks).where(
                tasks.c.status == TaskStatus.OPEN.value,
                tasks.c.due_on < today,
                tasks.c.overdue_at.is_(None),
            )
        ).all()
        for row in rows:
            if not rules.overdue(TaskStatus(row.status), row.due_on, today, flagged=False):
                continue
            claimed: Any = uow.session.execute(
                update(tasks)
                .where(tasks.c.id == row.id, tasks.c.overdue_at.is_(None))
                .values(overdue_at=clock.now())
            )
            if claimed.rowcount:
                evaluation = evaluation_row(uow, row.evaluation_id, None)
                note = f"due {row.due_on.isoformat()}"
                emit_task(uow, events.RECTIFICATION_OVERDUE, row, evaluation, note)
                announced += 1
        uow.commit()
    return announced


SWEEPS: tuple[Sweep, ...] = (
    # Idempotent, each task announced once, each month published once: hourly is cheap.
    Sweep("bad-review-rectification-overdue", 3600, overdue_sweep),
    Sweep("monthly-ranking", 3600, rankings.ranking_sweep),
)
