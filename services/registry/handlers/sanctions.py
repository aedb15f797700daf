"""What registry does with inspection's findings and sanctions: violations remembered for
TJ-4.3, windows suspended, reinstated or terminated (TJ-8.2)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import NoResultFound

from services.registry.adapters import tables
from services.registry.adapters.repositories import windows as window_store
from services.registry.contracts import windows as contracts
from services.registry.domain import window_life
from services.registry.domain.windows import Window
from services.registry.handlers.windows import emit_window, end_agreement
from shared.errors import NotFound
from shared.events import CloudEvent, EventType
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


# Marks a withdrawal kept as a row of its own (never counted: it is withdrawn by itself), so an
# imposition that arrives after the withdrawal of it (redelivered late) is stored withdrawn.
WITHDRAWAL = "withdrawal"
# A sanction whose lifting withdraws its violation: an accountability outcome corrected to no
# fault (TJ-8.3) was never a fault. A lifted suspension stays a violation: the problems were
# found, then rectified (TJ-4.3 asks whether a violation was ever recorded).
WITHDRAWN_WHEN_LIFTED = frozenset({"accountability"})


def remember_violation(uow: UnitOfWork, event: CloudEvent, kind: str) -> None:
    data = event.data
    ref = _ref(data)
    uow.session.execute(
        insert(tables.violations).values(
            unit_code=data["unit_code"],
            window_id=data.get("window_id"),
            kind=kind,
            rule=data.get("rule") or data.get("basis", ""),
            summary=data.get("summary") or data.get("reason", ""),
            source_event_id=event.id,
            recorded_at=event.time,
            ref=ref,
            withdrawn_by=_withdrawn_since(uow, ref, event),
        )
    )


def _ref(data: dict[str, Any]) -> str | None:
    """The inspection record a violation comes from. Accountability cases are numbered apart
    from the ladder's sanctions, so `accountability:<case>` never names a ladder step."""
    if data.get("kind") == "accountability":
        return f"accountability:{data.get('case_id') or data['sanction_id']}"
    for kind in ("finding", "sanction"):
        if data.get(f"{kind}_id") is not None:
            return f"{kind}:{data[f'{kind}_id']}"
    return None


def _withdrawn_since(uow: UnitOfWork, ref: str | None, event: CloudEvent) -> str | None:
    """The withdrawal, already received, of what this event records (made after it)."""
    if ref is None:
        return None
    table = tables.violations
    return uow.session.execute(
        select(table.c.source_event_id)
        .where(table.c.ref == ref, table.c.kind == WITHDRAWAL, table.c.recorded_at >= event.time)
        .order_by(table.c.recorded_at)
        .limit(1)
    ).scalar()


def withdraw_violation(uow: UnitOfWork, event: CloudEvent) -> None:
    """A finding withdrawn, or an accountability sanction lifted, by inspection no longer counts
    against the unit (TJ-4.3): every record of it made up to the withdrawal is marked, the rows
    stay for the record. The withdrawal is kept too, for a record that arrives after it."""
    ref = _ref(event.data)
    if ref is None:
        log.warning("%s %s names no inspection record; nothing withdrawn", event.type, event.id)
        return
    table = tables.violations
    uow.session.execute(
        update(table)
        .where(
            table.c.ref == ref,
            table.c.kind != WITHDRAWAL,
            table.c.withdrawn_by.is_(None),
            table.c.recorded_at <= event.time,
        )
        .values(withdrawn_by=event.id)
    )
    data = event.data
    uow.session.execute(
        insert(tables.violations).values(
            unit_code=data.get("unit_code") or "",
            window_id=data.get("window_id"),
            kind=WITHDRAWAL,
            rule=data.get("rule") or data.get("basis", ""),
            summary=data.get("reason") or data.get("summary") or "withdrawn",
            source_event_id=event.id,
            recorded_at=event.time,
            ref=ref,
            withdrawn_by=event.id,
        )
    )


# Sanction kind → (what it does to a window, the event it causes).
EFFECTS: dict[str, tuple[Callable[[Window, dict[str, Any]], Window | None], EventType]] = {
    "suspension": (window_life.suspend, contracts.WINDOW_SUSPENDED),
    "termination": (window_life.terminate, contracts.WINDOW_TERMINATED),
}


def apply_sanction(uow: UnitOfWork, event: CloudEvent) -> None:
    kind = event.data["kind"]
    remember_violation(uow, event, "accountability" if kind == "accountability" else "sanction")
    effect = EFFECTS.get(kind)
    if effect is not None:
        change, result = effect
        _change_window(uow, event, change, result)


def lift_sanction(uow: UnitOfWork, event: CloudEvent) -> None:
    """A suspension lifted reinstates the window (TJ-8.2); an accountability sanction lifted
    (its outcome corrected to no fault) withdraws its violation (TJ-4.3)."""
    kind = event.data["kind"]
    if kind in WITHDRAWN_WHEN_LIFTED:
        withdraw_violation(uow, event)
    if kind == "suspension":
        _change_window(uow, event, window_life.reinstate, contracts.WINDOW_REINSTATED)


def _change_window(
    uow: UnitOfWork,
    event: CloudEvent,
    change: Callable[[Window, dict[str, Any]], Window | None],
    result: EventType,
) -> None:
    data = event.data
    try:
        window = window_store.get_window(uow.session, int(data["window_id"]))
    except (NotFound, NoResultFound):
        log.warning("sanction %s names unknown window %s", data["sanction_id"], data["window_id"])
        return
    record = {
        "sanction_id": data["sanction_id"],
        "basis": data["basis"],
        "reason": data["reason"],
        "at": event.time.isoformat(),
    }
    changed = change(window, record)
    if changed is None:  # already in that state, or ended: nothing to do, nothing to fail
        log.info("window %s is %s; %s changes nothing", window.id, window.state, event.type)
        return
    window_store.save_window(uow.session, changed, window.version)
    if result is contracts.WINDOW_TERMINATED:
        end_agreement(uow, window.id or 0)
    emit_window(uow, result, changed, reason=data["reason"], rule=data["basis"])
