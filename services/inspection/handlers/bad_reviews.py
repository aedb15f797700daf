"""What follows a bad review (TJ-7.5): the unit calls the applicant back, rectifies and reports;
the center closes or reopens the task. Or the unit appeals the review as wrong or malicious, and
an appeal the center upholds voids the review and ends the task."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select, update

from services.inspection.adapters.tables import evaluations as tables
from services.inspection.contracts import evaluations as events
from services.inspection.domain import evaluations as rules
from services.inspection.domain.evaluations import AppealStatus, Level, Source, TaskStatus
from services.inspection.handlers import evaluations as reviews
from shared import clock
from shared.auth import Principal
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound, StateConflict
from shared.unit_of_work import UnitOfWork

tasks, appeals = tables.rectifications, tables.evaluation_appeals


# -- the rectification task ----------------------------------------------------------------------
def _task(row: Any) -> rules.Rectification:
    called = row.called_at is not None
    callback = rules.Callback(row.called_at, row.called_by, row.call_outcome) if called else None
    return rules.Rectification(
        TaskStatus(row.status), row.due_on, row.opened_at, callback, row.summary, row.review_note
    )


TASK_SHOWN = (
    *("id", "evaluation_id", "window_id", "unit_code", "status", "opened_at", "due_on"),
    *("summary", "reported_at", "reviewed_by", "review_note", "reopened", "closed_at"),
    "overdue_at",
)


def _task_view(row: Any, evaluation: Any, *, full: bool, today: date) -> dict[str, Any]:
    review = reviews.view(evaluation, full=full)
    callback = None
    if row.called_at is not None:
        callback = {"called_at": row.called_at, "by": row.called_by, "outcome": row.call_outcome}
    return {
        **{column: row._mapping[column] for column in TASK_SHOWN},
        "overdue": rules.overdue(TaskStatus(row.status), row.due_on, today, flagged=False),
        "callback": callback,
        **{k: review[k] for k in ("case_id", "level", "text", "contact_shown", *reviews.CONTACT)},
    }


def get_task(uow: UnitOfWork, task_id: int, reader: Principal, unit: str | None) -> dict[str, Any]:
    with uow:
        row = reviews.task_row(uow, task_id, unit)
        evaluation = reviews.evaluation_row(uow, row.evaluation_id, None)
        full = reviews.full_for(uow, reader, evaluation)
        uow.commit()  # the log of a full read
    return _task_view(row, evaluation, full=full, today=clock.today())


def list_tasks(
    uow: UnitOfWork, unit: str | None, query: dict[str, Any], before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Newest first, the contact masked."""
    today = clock.today()
    conditions: list[ColumnElement[bool]] = []
    if (scope := unit or query.get("unit_code")) is not None:
        conditions.append(tasks.c.unit_code == scope)
    for name in ("status", "window_id"):
        if query.get(name) is not None:
            conditions.append(tasks.c[name] == query[name])
    if query.get("overdue") is not None:
        late = (tasks.c.status == TaskStatus.OPEN.value) & (tasks.c.due_on < today)
        conditions.append(late if query["overdue"] else ~late)
    if before is not None:
        conditions.append(tasks.c.id < before)
    statement = select(tasks).where(*conditions).order_by(tasks.c.id.desc()).limit(limit)
    with uow:
        rows = uow.session.execute(statement).all()
        ids = [row.evaluation_id for row in rows]
        evaluations = reviews.evaluations
        found = uow.session.execute(select(evaluations).where(evaluations.c.id.in_(ids)))
        by_id = {evaluation.id: evaluation for evaluation in found}
    return [_task_view(r, by_id[r.evaluation_id], full=False, today=today) for r in rows]


def _save(uow: UnitOfWork, row: Any, changed: rules.Rectification, **more: Any) -> Any:
    """Save a task only from the state it was read in: of two concurrent changes one wins."""
    callback = changed.callback
    called = tasks.c.called_at
    seen_call = called.is_(None) if row.called_at is None else called.isnot(None)
    result: Any = uow.session.execute(
        update(tasks)
        .where(tasks.c.id == row.id, tasks.c.status == row.status, seen_call)
        .where(tasks.c.reopened == row.reopened)
        .values(
            status=changed.status.value,
            summary=changed.summary,
            review_note=changed.note,
            called_at=callback.called_at if callback else None,
            called_by=callback.by if callback else None,
            call_outcome=callback.outcome if callback else None,
            **more,
        )
    )
    if not result.rowcount:
        raise Conflict(
            f"rectification task {row.id} was changed meanwhile; reload it",
            rule=rules.RULE,
            field="status",
        )
    return reviews.task_row(uow, row.id, None)


Change = Callable[[rules.Rectification], rules.Rectification]
Recorded = Callable[[Any, rules.Rectification], dict[str, Any]]


def _change(
    uow: UnitOfWork, task_id: int, unit: str | None, change: Change, recorded: Recorded
) -> dict[str, Any]:
    """Load a task, apply one rule, save it from the state it was in, announce it, commit."""
    with uow:
        row = reviews.task_row(uow, task_id, unit)
        changed = change(_task(row))
        saved = _save(uow, row, changed, **recorded(row, changed))
        evaluation = reviews.evaluation_row(uow, saved.evaluation_id, None)
        reviews.emit_task(uow, EVENTS[(row.status, saved.status)], saved, evaluation, changed.note)
        uow.commit()
    return _task_view(saved, evaluation, full=False, today=clock.today())


# Each step of a task, from the status it leaves to the one it reaches, and its announcement.
EVENTS = {
    (TaskStatus.OPEN, TaskStatus.OPEN): events.RECTIFICATION_CALLED_BACK,
    (TaskStatus.OPEN, TaskStatus.REPORTED): events.RECTIFICATION_REPORTED,
    (TaskStatus.REPORTED, TaskStatus.CLOSED): events.RECTIFICATION_CLOSED,
    (TaskStatus.REPORTED, TaskStatus.OPEN): events.RECTIFICATION_REOPENED,
}


def record_callback(
    uow: UnitOfWork, task_id: int, unit: str | None, body: dict[str, Any], actor: str
) -> dict[str, Any]:
    """The unit called the applicant back: when, who called, what came of it (TJ-7.5)."""
    return _change(
        uow,
        task_id,
        unit,
        lambda task: rules.record_callback(
            task, body["called_at"], body["by"], body["outcome"], clock.now()
        ),
        lambda row, changed: {"recorded_callback_by": actor},
    )


def report(uow: UnitOfWork, task_id: int, unit: str | None, summary: str) -> dict[str, Any]:
    """The unit reports what it rectified, once it has called back; the center reviews it."""
    return _change(
        uow,
        task_id,
        unit,
        lambda task: rules.report(task, summary),
        lambda row, changed: {"reported_at": clock.now()},
    )


def review(uow: UnitOfWork, task_id: int, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """The center closes the task, or reopens it with the reason."""

    def recorded(row: Any, changed: rules.Rectification) -> dict[str, Any]:
        closed = changed.status is TaskStatus.CLOSED
        return {
            "reviewed_by": actor,
            "closed_at": clock.now() if closed else None,
            "reopened": row.reopened + (0 if closed else 1),
        }

    return _change(
        uow,
        task_id,
        None,
        lambda task: rules.review(task, body["accepted"], body.get("note", "")),
        recorded,
    )


# -- the appeal ----------------------------------------------------------------------------------
def _appeal_view(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


def _appeal_row(uow: UnitOfWork, evaluation_id: int, unit: str | None) -> Any:
    query = select(appeals).where(appeals.c.evaluation_id == evaluation_id)
    if unit is not None:
        query = query.where(appeals.c.unit_code == unit)
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound(f"evaluation {evaluation_id} has not been appealed")
    return row


def _emit_appeal(uow: UnitOfWork, event: Any, appeal: Any, evaluation: Any) -> None:
    uow.emit(
        event.name,
        subject=str(appeal.id),
        data={
            "appeal_id": appeal.id,
            "evaluation_id": evaluation.id,
            "window_id": evaluation.window_id,
            "unit_code": appeal.unit_code,
            "grounds": appeal.grounds,
            "status": appeal.status,
            "at": appeal.decided_at or appeal.filed_at,
        },
    )


def appeal(
    uow: UnitOfWork, evaluation_id: int, unit: str, body: dict[str, Any], actor: str
) -> dict[str, Any]:
    """The unit appeals its bad review as wrong or malicious, once (TJ-7.5)."""
    with uow:
        evaluation = reviews.evaluation_row(uow, evaluation_id, unit)
        voided = evaluation.voided_at is not None
        rules.check_appealable(Level(evaluation.level), Source(evaluation.source), voided)
        taken = uow.session.execute(
            select(appeals.c.id).where(appeals.c.evaluation_id == evaluation_id)
        ).first()
        if taken is not None:  # and the unique evaluation_id answers a race the same way
            raise StateConflict(
                "the review has been appealed already: once", rule=rules.RULE, field="reason"
            )
        values = {
            "evaluation_id": evaluation_id,
            "unit_code": evaluation.unit_code,
            "grounds": rules.grounds_of(body["grounds"]).value,
            "reason": rules.check_appeal(body["reason"]),
            "evidence_note": body.get("evidence_note", "").strip(),
            "filed_by": actor,
            "filed_at": clock.now(),
            "status": AppealStatus.PENDING.value,
        }
        appeal_id = insert_returning_id(uow.session, appeals, values)
        row = _appeal_row(uow, evaluation_id, None)
        assert row.id == appeal_id
        _emit_appeal(uow, events.APPEAL_FILED, row, evaluation)
        uow.commit()
    return _appeal_view(row)


def get_appeal(uow: UnitOfWork, evaluation_id: int, unit: str | None) -> dict[str, Any]:
    with uow:
        return _appeal_view(_appeal_row(uow, evaluation_id, unit))


def decide_appeal(
    uow: UnitOfWork, evaluation_id: int, body: dict[str, Any], actor: str
) -> dict[str, Any]:
    """Upheld: the review is voided and its task withdrawn. Dismissed: both stand."""
    with uow:
        row = _appeal_row(uow, evaluation_id, None)
        status = rules.decide_appeal(AppealStatus(row.status), body["upheld"], body["note"])
        decided: Any = uow.session.execute(
            update(appeals)
            .where(appeals.c.id == row.id, appeals.c.status == AppealStatus.PENDING.value)
            .values(
                status=status.value,
                decided_by=actor,
                decision_note=body["note"].strip(),
                decided_at=clock.now(),
            )
        )
        if not decided.rowcount:
            raise Conflict("the appeal was decided meanwhile", rule=rules.RULE, field="upheld")
        row = _appeal_row(uow, evaluation_id, None)
        evaluation = reviews.evaluation_row(uow, evaluation_id, None)
        _emit_appeal(uow, events.APPEAL_DECIDED, row, evaluation)
        if status is AppealStatus.UPHELD:
            reviews.void(uow, evaluation)
            _withdraw_task(uow, evaluation)
        uow.commit()
    return _appeal_view(row)


def _withdraw_task(uow: UnitOfWork, evaluation: Any) -> None:
    row = uow.session.execute(select(tasks).where(tasks.c.evaluation_id == evaluation.id)).first()
    withdrawn = rules.withdraw(_task(row)) if row is not None else None
    if withdrawn is None:
        return  # no task, or the center had closed it already: it stays closed
    saved = _save(uow, row, withdrawn, closed_at=clock.now())
    note = "the review was voided on appeal"
    reviews.emit_task(uow, events.RECTIFICATION_CLOSED, saved, evaluation, note)
