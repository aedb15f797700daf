"""What registry does with inspection's findings and sanctions: violations remembered for
TJ-4.3, windows suspended, reinstated or terminated (TJ-8.2)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.exc import NoResultFound

from services.registry import contracts, orm, repository
from services.registry.domain import window_life
from services.registry.domain.windows import Window
from services.registry.handlers.windows import emit_window, end_agreement
from shared.db import UnitOfWork
from shared.errors import NotFound
from shared.events import CloudEvent, EventType

log = logging.getLogger(__name__)


def remember_violation(uow: UnitOfWork, event: CloudEvent, kind: str) -> None:
    data = event.data
    uow.session.execute(
        insert(orm.violations).values(
            unit_code=data["unit_code"],
            window_id=data.get("window_id"),
            kind=kind,
            rule=data.get("rule") or data.get("basis", ""),
            summary=data.get("summary") or data.get("reason", ""),
            source_event_id=event.id,
            recorded_at=event.time,
            ref=_ref(data),
            withdrawn_by=None,
        )
    )


def _ref(data: dict[str, Any]) -> str | None:
    for kind in ("finding", "sanction"):
        if data.get(f"{kind}_id") is not None:
            return f"{kind}:{data[f'{kind}_id']}"
    return None


def withdraw_violation(uow: UnitOfWork, event: CloudEvent) -> None:
    """A finding withdrawn by inspection no longer counts against the unit (TJ-4.3); the row
    stays, marked, for the record."""
    ref = _ref(event.data)
    table = orm.violations
    uow.session.execute(
        update(table)
        .where(table.c.ref == ref, table.c.withdrawn_by.is_(None))
        .values(withdrawn_by=event.id)
    )


# Sanction kind → (what it does to a window, the event it causes).
EFFECTS: dict[str, tuple[Callable[[Window, dict[str, Any]], Window | None], EventType]] = {
    "suspension": (window_life.suspend, contracts.WINDOW_SUSPENDED),
    "termination": (window_life.terminate, contracts.WINDOW_TERMINATED),
}


def apply_sanction(uow: UnitOfWork, event: CloudEvent) -> None:
    remember_violation(uow, event, "sanction")
    effect = EFFECTS.get(event.data["kind"])
    if effect is not None:
        change, result = effect
        _change_window(uow, event, change, result)


def lift_sanction(uow: UnitOfWork, event: CloudEvent) -> None:
    if event.data["kind"] == "suspension":
        _change_window(uow, event, window_life.reinstate, contracts.WINDOW_REINSTATED)


def _change_window(
    uow: UnitOfWork,
    event: CloudEvent,
    change: Callable[[Window, dict[str, Any]], Window | None],
    result: EventType,
) -> None:
    data = event.data
    try:
        window = repository.get_window(uow.session, int(data["window_id"]))
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
    repository.save_window(uow.session, changed, window.version)
    if result is contracts.WINDOW_TERMINATED:
        end_agreement(uow, window.id or 0)
    emit_window(uow, result, changed, reason=data["reason"], rule=data["basis"])
