"""Rectifying a finding by its deadline in working days (TJ-8.1): reported by the unit,
accepted or rejected, and a missed deadline announced once."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, update

from services.inspection.adapters.tables import findings as tables
from services.inspection.contracts import findings as events
from services.inspection.domain import findings as rules
from services.inspection.domain.findings import Status, WorkingDays
from services.inspection.handlers.findings import (
    F,
    configured_days,
    finding_ref,
    finding_row,
    finding_view,
    move,
)
from shared import clock
from shared.service import ServiceRuntime, Sweep
from shared.unit_of_work import UnitOfWork

R = tables.rectifications


def _emit_rectification(uow: UnitOfWork, event: Any, values: dict[str, Any], **extra: Any) -> None:
    data = {
        **finding_ref(values),
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
        row = finding_row(uow, finding_id, unit)
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
        values = move(uow, row, {"status": status.value})
        _emit_rectification(uow, events.RECTIFICATION_REPORTED, values, report=text)
        uow.commit()
    return finding_view(values)


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
        row = finding_row(uow, finding_id, None)
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
        values = move(uow, row, changes)
        event = events.FINDING_RECTIFIED if body["accepted"] else events.RECTIFICATION_REJECTED
        _emit_rectification(uow, event, values, note=note or None)
        uow.commit()
    return finding_view(values, on)


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


SWEEPS: tuple[Sweep, ...] = (Sweep("findings-rectification-overdue", 3600, overdue_sweep),)
