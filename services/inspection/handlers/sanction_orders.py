"""A rectification order's life after it is issued (TJ-8.1, TJ-8.2): reported by the unit,
verified or rejected by the authority — a verified one lifting the suspensions resting on it — and
a missed deadline announced once per order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from services.inspection.adapters.tables import sanctions as tables
from services.inspection.contracts import sanctions as events
from services.inspection.domain import sanctions as rules
from services.inspection.domain.sanctions import Kind, Status
from services.inspection.handlers.sanctions_read import (
    entry,
    event_data,
    get_sanction,
    is_terminated,
    open_orders_past_due,
)
from shared import clock
from shared.errors import Conflict, NotFound
from shared.service import ServiceRuntime, Sweep
from shared.unit_of_work import UnitOfWork

S = tables.sanctions
R = tables.order_reports


def _move(uow: UnitOfWork, row: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """Changes an entry from the status it was read in: of two concurrent changes one wins."""
    moved: Any = uow.session.execute(
        update(S).where(S.c.id == row.id, S.c.status == row.status).values(changes)
    )
    if not moved.rowcount:
        raise Conflict(f"sanction {row.id} changed meanwhile; reload it")
    return {**row._mapping, **changes}


def _emit_order(uow: UnitOfWork, event: Any, order: dict[str, Any], **extra: Any) -> None:
    data = {
        **event_data(order),
        "order_id": order["id"],
        "due_on": order["due_on"],
        "status": order["status"],
        "summary": extra.get("summary"),
        "note": extra.get("note"),
        "at": clock.now(),
    }
    uow.emit(event.name, subject=str(order["id"]), data=data)


def report_rectification(
    uow: UnitOfWork, order_id: int, unit: str | None, summary: str
) -> dict[str, Any]:
    """The unit ordered to rectify says it has; the authority verifies."""
    with uow:
        row = entry(uow, order_id, unit, Kind.RECTIFICATION)
        if unit is not None and unit != row.unit_code:
            raise NotFound(f"no rectification {order_id}")  # a co-located unit was not ordered
        rules.check_not_terminated(order_id, is_terminated(uow, row.window_id))
        status = rules.report(row.status)
        text = rules.text(summary, "summary", "how the problems were put right")
        now, today = clock.now(), clock.today()
        uow.session.execute(
            R.insert().values(
                order_id=order_id,
                summary=text,
                reported_by=uow.actor or "unknown",
                reported_at=now,
                due_on=row.due_on,
            )
        )
        order = _move(uow, row, {"status": status.value, "reported_on": today})
        _emit_order(uow, events.ORDER_REPORTED, order, summary=text)
        uow.commit()
    return get_sanction(uow, order_id, unit)


def verify_rectification(uow: UnitOfWork, order_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """The authority accepts the rectification — lifting every suspension resting on the order —
    or rejects it saying what is still wrong; the deadline stays (TJ-8.2)."""
    with uow:
        row = entry(uow, order_id, None, Kind.RECTIFICATION)
        rules.check_not_terminated(order_id, is_terminated(uow, row.window_id))
        note = (body.get("note") or "").strip()
        status = rules.verify(row.status, body["accepted"], note)
        verdict = {"accepted": body["accepted"], "note": note or None, "verified_at": clock.now()}
        pending = uow.session.execute(
            select(R.c.id).where(R.c.order_id == order_id, R.c.accepted.is_(None))
        ).scalar()
        uow.session.execute(
            update(R).where(R.c.id == pending).values(verified_by=uow.actor, **verdict)
        )
        order = _move(uow, row, {"status": status.value})
        event = events.ORDER_VERIFIED if body["accepted"] else events.ORDER_REJECTED
        _emit_order(uow, event, order, note=note or None)
        if status is Status.VERIFIED:
            _lift_suspensions(uow, order, note)
        uow.commit()
    return get_sanction(uow, order_id, None)


def _lift_suspensions(uow: UnitOfWork, order: dict[str, Any], note: str) -> None:
    resting = uow.session.execute(
        select(S).where(S.c.order_id == order["id"], S.c.kind == Kind.SUSPENSION)
    ).all()
    for suspension in resting:
        if suspension.status != Status.IN_FORCE:
            continue
        lifted = rules.check_lift(suspension.status, order["status"])
        changes = {
            "status": lifted.value,
            "lifted_by": uow.actor or "unknown",
            "lifted_at": clock.now(),
            "lift_note": note or None,
        }
        row = _move(uow, suspension, changes)
        data = {
            **event_data(row),
            "reason": f"rectification order {order['id']} verified" + (f": {note}" if note else ""),
            "at": changes["lifted_at"],
            "decided_by": changes["lifted_by"],
        }
        uow.emit(events.SANCTION_LIFTED.name, subject=str(row["id"]), data=data)


def overdue_sweep(rt: ServiceRuntime) -> int:
    """Announces, once per order, a deadline passed without verified rectification."""
    today = clock.today()
    announced = 0
    with rt.uow(actor="system:sweep") as uow:
        for due in open_orders_past_due(uow, today):
            claimed: Any = uow.session.execute(
                update(S)
                .where(S.c.id == due["order_id"], S.c.overdue_at.is_(None))
                .values(overdue_at=clock.now())
            )
            if claimed.rowcount:
                order = uow.session.execute(select(S).where(S.c.id == due["order_id"])).one()
                _emit_order(uow, events.ORDER_OVERDUE, dict(order._mapping))
                announced += 1
        uow.commit()
    return announced


SWEEPS: tuple[Sweep, ...] = (Sweep("sanction-orders-overdue", 3600, overdue_sweep),)
