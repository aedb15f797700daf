"""Complaints and reports from the public (issue 7 point 6): submitted, assigned, verified and
corrected, and a missed deadline announced once.

Writes answer with the complainant's data masked (complaint_reads.py shows it in full).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select, update

from services.inspection.adapters.tables import complaints as tables
from services.inspection.adapters.tables import learned
from services.inspection.contracts import complaints as events
from services.inspection.domain import complaints as rules
from services.inspection.domain.complaints import Disclosure, Status, WorkingDays
from services.inspection.handlers import deadlines
from services.inspection.handlers.complaint_reads import (
    complaint_row,
    complaint_view,
    correction_of,
)
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Conflict
from shared.service import ServiceRuntime, Sweep
from shared.unit_of_work import UnitOfWork

complaints = tables.complaints


def handling_days() -> int:
    """The hall's deadline to decide, in working days: `COMPLAINT_DAYS`, else 5. A wrong
    setting is logged, not the public's problem: the complaint is taken with the default."""
    return deadlines.from_environment(
        "COMPLAINT_DAYS", rules.handling_days, rules.HANDLING_WORKDAYS
    )


def submit(
    uow: UnitOfWork, calendar: WorkingDays, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """Take a complaint from the public; the tracking code is answered once and never kept."""
    today = today or clock.today()
    with uow:
        window = _window(uow, body["window_id"])
        rules.check_window(body["window_id"], window.state if window else None)
        values = {
            "number": uuid.uuid4().hex[:32],  # until the id is known
            "tracking_code_hash": "",
            "window_id": window.id,
            "unit_code": window.unit_code,
            "staff_id": (body.get("staff_id") or "").strip() or None,
            "misconduct": rules.check_misconduct(body.get("misconduct")),
            "account": rules.check_account(body["account"]),
            "happened_on": rules.check_happened_on(body.get("happened_on"), today),
            "complainant_name": rules.normal_name(body.get("complainant_name")),
            "complainant_phone": rules.normal_phone(body.get("complainant_phone")),
            "received_at": clock.now(),
            "received_on": today,
            "due_on": rules.deadline(calendar, today, handling_days()),
            "status": Status.RECEIVED.value,
        }
        complaint_id = insert_returning_id(uow.session, complaints, values)
        number = rules.complaint_number(today, complaint_id)
        code = rules.new_tracking_code()
        _update(uow, complaint_id, number=number, tracking_code_hash=rules.code_hash(number, code))
        row = complaint_row(uow, complaint_id, None)
        _emit(uow, events.COMPLAINT_RECEIVED, row, received_at=row.received_at)
        uow.commit()
    shown = ("id", "number", "status", "received_on", "due_on")
    return {**{name: row._mapping[name] for name in shown}, "tracking_code": code}


def assign(uow: UnitOfWork, complaint_id: int, handler: str) -> dict[str, Any]:
    """Give an open complaint to a handler (again, to hand it over)."""
    handler = rules.check_handler(handler)
    with uow:
        row = complaint_row(uow, complaint_id, None)
        rules.check_open(row.status, row.number)
        now = clock.now()
        changes = {"status": Status.ASSIGNED.value, "handler": handler, "assigned_at": now}
        _update_open(uow, row, **changes)
        row = complaint_row(uow, complaint_id, None)
        _emit(uow, events.COMPLAINT_ASSIGNED, row, handler=handler, assigned_at=now)
        uow.commit()
    return complaint_view(row, Disclosure.MASKED, None)


def verify(uow: UnitOfWork, complaint_id: int, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """Uphold or dismiss an open complaint with reasons; the decision is final."""
    with uow:
        row = complaint_row(uow, complaint_id, None)
        rules.check_open(row.status, row.number)
        changes = _decision(row, body, actor)
        _update_open(uow, row, **changes)
        row = complaint_row(uow, complaint_id, None)
        _emit_decision(uow, row, corrects=None)
        uow.commit()
    return complaint_view(row, Disclosure.MASKED, None)


def correct(uow: UnitOfWork, complaint_id: int, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """Decide a decided complaint again, as a new entry that replaces the earlier decision."""
    today = clock.today()
    with uow:
        original = complaint_row(uow, complaint_id, None)
        later = correction_of(uow, original.id)
        rules.check_correctable(original.status, original.number, later and later.number)
        copied = {c.name: original._mapping[c.name] for c in complaints.c if c.name != "id"}
        values = {
            **copied,
            **_decision(original, body, actor),
            "number": uuid.uuid4().hex[:32],
            "tracking_code_hash": "",  # followed through the original's number and code
            "overdue_at": None,
            "corrects_id": original.id,
        }
        correction_id = insert_returning_id(uow.session, complaints, values)
        _update(uow, correction_id, number=rules.complaint_number(today, correction_id))
        row = complaint_row(uow, correction_id, None)
        _emit(
            uow,
            events.COMPLAINT_CORRECTED,
            original,
            correction_id=row.id,
            correction_number=row.number,
            previous_outcome=original.status,
            outcome=row.status,
            reasons=row.reasons,
            decided_at=row.decided_at,
        )
        _emit_decision(uow, row, corrects=original.id)
        uow.commit()
    return complaint_view(row, Disclosure.MASKED, None)


def overdue_sweep(rt: ServiceRuntime) -> int:
    """Announces, once, every complaint still undecided after its last day."""
    today = clock.today()
    announced = 0
    with rt.uow(actor="system:sweep") as uow:
        rows = uow.session.execute(
            select(complaints).where(
                complaints.c.status.in_(rules.OPEN_STATUSES),
                complaints.c.due_on < today,
                complaints.c.overdue_at.is_(None),
            )
        ).all()
        for row in rows:
            claimed: Any = uow.session.execute(
                update(complaints)
                .where(complaints.c.id == row.id, complaints.c.overdue_at.is_(None))
                .values(overdue_at=clock.now())
            )
            if claimed.rowcount:
                _emit(
                    uow,
                    events.COMPLAINT_OVERDUE,
                    row,
                    status=row.status,
                    handler=row.handler,
                )
                announced += 1
        uow.commit()
    return announced


SWEEPS: tuple[Sweep, ...] = (Sweep("complaints-overdue", 3600, overdue_sweep),)


def _window(uow: UnitOfWork, window_id: int) -> Any:
    return uow.session.execute(
        select(learned.windows).where(learned.windows.c.id == window_id)
    ).first()


def _update(uow: UnitOfWork, complaint_id: int, **changes: Any) -> None:
    uow.session.execute(update(complaints).where(complaints.c.id == complaint_id).values(changes))


def _update_open(uow: UnitOfWork, row: Any, **changes: Any) -> None:
    """Change a complaint only while it is open: of two concurrent decisions one wins."""
    result: Any = uow.session.execute(
        update(complaints)
        .where(complaints.c.id == row.id, complaints.c.status.in_(rules.OPEN_STATUSES))
        .values(changes)
    )
    if not result.rowcount:
        raise Conflict(
            f"complaint {row.number} was decided meanwhile", rule=rules.RULE_SURVEY, field="outcome"
        )


def _decision(row: Any, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """The verified outcome; the handler may name (or correct) the misconduct found (TJ-8.3)."""
    misconduct = body.get("misconduct")
    now = clock.now()
    return {
        "status": rules.outcome_of(body["outcome"]).value,
        "reasons": rules.check_reasons(body["reasons"]),
        "misconduct": row.misconduct if misconduct is None else rules.check_misconduct(misconduct),
        "decided_by": actor,
        "decided_at": now,
        "decided_on": clock.today(),
        "handler": row.handler or actor,
    }


_UPHELD_FIELDS = ("complaint_id", "window_id", "unit_code", "staff_id", "misconduct")


def _about(row: Any, window: Any) -> dict[str, Any]:
    return {
        "complaint_id": row.id,
        "number": row.number,
        "window_id": row.window_id,
        "unit_code": row.unit_code,
        "name_zh": window.name_zh,
        "name_en": window.name_en,
        "staff_id": row.staff_id,
        "misconduct": row.misconduct,
        "anonymous": rules.is_anonymous(row.complainant_name, row.complainant_phone),
        "due_on": row.due_on,
    }


def _emit(uow: UnitOfWork, event: Any, row: Any, **extra: Any) -> None:
    data = {**_about(row, _window(uow, row.window_id)), **extra}
    uow.emit(event.name, subject=str(row.id), data=data)


def _emit_decision(uow: UnitOfWork, row: Any, corrects: int | None) -> None:
    """Upheld: the contract staffing counts against the staff member, else the window (its
    summary is the handler's reasons, never the complainant's words). Dismissed: our own."""
    if row.status == Status.UPHELD:
        about = _about(row, _window(uow, row.window_id))
        data = {name: about[name] for name in _UPHELD_FIELDS}
        data.update(summary=row.reasons, decided_at=row.decided_at)
        uow.emit(events.COMPLAINT_UPHELD.name, subject=str(row.id), data=data)
        return
    _emit(
        uow,
        events.COMPLAINT_DISMISSED,
        row,
        reasons=row.reasons,
        decided_at=row.decided_at,
        corrects_complaint_id=corrects,
    )
