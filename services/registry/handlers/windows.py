"""Windows from application to publication (TJ-4, TJ-5) and through their life (TJ-7.6,
TJ-8.2, EQ-2.2). Each step: load, domain, save, event, commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import func, select

from services.registry.adapters import tables
from services.registry.adapters.repositories import agreements as agreement_store
from services.registry.adapters.repositories import matters as matter_store
from services.registry.adapters.repositories import windows as window_store
from services.registry.contracts import agreements as agreement_contracts
from services.registry.contracts import windows as contracts
from services.registry.domain import agreements as agreement_rules
from services.registry.domain import window_life, windows
from services.registry.domain.windows import Evidence, Window, WindowType
from services.registry.handlers import halls, units
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Invalid, NotFound, PreconditionFailed, RuleViolation
from shared.events import EventType
from shared.unit_of_work import UnitOfWork


def emit_window(
    uow: UnitOfWork, event: EventType, window: Window, *, reason: str = "", rule: str = ""
) -> None:
    uow.emit(
        event.name,
        subject=str(window.id),
        data={
            "window_id": window.id,
            "unit_code": window.unit_code,
            "co_units": list(window.co_units),
            "hall_code": window.hall_code,
            "name_zh": window.name_zh,
            "name_en": window.name_en,
            "type": window.type.value,
            "state": window.state.value,
            "is_open": window.is_open,
            "reason": reason,
            "rule": rule,
            "published_on": window.records.get("publication", {}).get("on"),
        },
    )


def apply(uow: UnitOfWork, unit_code: str, body: dict[str, Any]) -> Window:
    """TJ-5.1: the unit's written application, after its district's consent (TJ-4.2)."""
    with uow:
        for code in (unit_code, *body.get("co_units", [])):
            if not units.exists(uow, code):
                raise Invalid(f"no unit {code}", field="co_units" if code != unit_code else "unit")
        if not halls.exists(uow, body["hall_code"]):
            raise RuleViolation(
                f"no hall {body['hall_code']}: every window is inside a hall (EQ-1.1)",
                rule="EQ-1.1",
                field="hall_code",
            )
        window = windows.apply(
            unit_code=unit_code,
            hall_code=body["hall_code"],
            name_zh=body["name_zh"],
            name_en=body["name_en"],
            type=WindowType(body["type"]),
            evidence=Evidence(**body["evidence"]),
            co_units=body.get("co_units", []),
            seasonal_months=body.get("seasonal_months", []),
            violations=_violations(uow, unit_code),
            now=clock.now(),
            today=clock.today(),
        )
        window = replace(window, id=window_store.add_window(uow.session, window))
        if body.get("details"):
            window = windows.edit_details(window, body["details"])
            window_store.save_window(uow.session, window, window.version - 1)
        emit_window(uow, contracts.WINDOW_APPLIED, window, rule="TJ-5.1")
        uow.commit()
    return window


def _violations(uow: UnitOfWork, unit_code: str) -> int:
    query = select(func.count()).where(
        tables.violations.c.unit_code == unit_code, tables.violations.c.withdrawn_by.is_(None)
    )
    return int(uow.session.execute(query).scalar_one())


Step = Callable[[Window, dict[str, Any], date], Window]


def _inspection(window: Window, record: dict[str, Any], today: date) -> Window:
    # Windows applied for before the application's day was recorded: the hall day of the instant.
    applied_on = windows.recorded_on(window, "application", "on") or clock.hall_day(
        window.applied_at
    )
    return windows.record_inspection(window, record, today=today, applied_on=applied_on)


def _review(window: Window, record: dict[str, Any], today: date) -> Window:
    return windows.record_review(window, record, today=today)


def _letter(window: Window, record: dict[str, Any], today: date) -> Window:
    return windows.issue_letter(window, record, today=today)


# The authority's steps: (domain step, the event it causes when passed, rule).
STEPS: dict[str, tuple[Step, EventType, str]] = {
    "inspection": (_inspection, contracts.WINDOW_INSPECTED, "TJ-5.2"),
    "review": (_review, contracts.WINDOW_REVIEWED, "TJ-5.3"),
    "letter": (_letter, contracts.WINDOW_APPROVED, "TJ-5.4"),
}


def take_step(
    uow: UnitOfWork, window_id: int, step: str, record: dict[str, Any], if_match: int | None = None
) -> Window:
    domain_step, event, rule = STEPS[step]
    record = _jsonable(record)
    with uow:
        window = _load(uow, window_id, if_match)
        changed = domain_step(window, record, clock.today())
        window_store.save_window(uow.session, changed, window.version)
        passed = changed.state is not windows.WindowState.REJECTED
        emit_window(
            uow,
            event if passed else contracts.WINDOW_REJECTED,
            changed,
            rule=rule,
            reason="" if passed else record.get("opinion", record.get("findings", "")),
        )
        uow.commit()
    return changed


def sign_agreement(
    uow: UnitOfWork, window_id: int, body: dict[str, Any], if_match: int | None = None
) -> tuple[Window, agreement_rules.Agreement]:
    """TJ-5.5: the delegation agreement, for matters that exist in the catalogue (TJ-2.1)."""
    today = clock.today()
    with uow:
        window = _load(uow, window_id, if_match)
        for code in body["matters"]:
            matter_store.get_matter(uow.session, code)  # 404 names the unknown matter
        agreement = agreement_rules.sign(
            window_id,
            body["matters"],
            duties=body["duties"],
            rights=body["rights"],
            requirements=body["requirements"],
            starts_on=body["starts_on"],
            today=today,
        )
        signed = windows.agreement_signed(window, agreement, today)
        agreement = replace(agreement, id=agreement_store.add_agreement(uow.session, agreement))
        window_store.save_window(uow.session, signed, window.version)
        emit_window(uow, contracts.WINDOW_AGREED, signed, rule="TJ-5.5")
        uow.emit(
            agreement_contracts.AGREEMENT_SIGNED.name,
            subject=str(agreement.id),
            data=agreement_event(agreement, window.unit_code),
        )
        uow.commit()
    return signed, agreement


def agreement_event(
    agreement: agreement_rules.Agreement, unit_code: str, days_left: int | None = None
) -> dict[str, Any]:
    return {
        "agreement_id": agreement.id,
        "window_id": agreement.window_id,
        "unit_code": unit_code,
        "matters": list(agreement.matters),
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "status": agreement.status.value,
        "previous_id": agreement.previous_id,
        "days_left": days_left,
    }


def publish(
    uow: UnitOfWork, window_id: int, if_match: int | None = None, today: date | None = None
) -> Window:
    with uow:
        window = _load(uow, window_id, if_match)
        published = windows.publish(window, today or clock.today())
        window_store.save_window(uow.session, published, window.version)
        emit_window(uow, contracts.WINDOW_PUBLISHED, published, rule="TJ-5.6")
        uow.commit()
    return published


def edit_details(
    uow: UnitOfWork,
    window_id: int,
    changes: dict[str, str],
    *,
    unit: str | None,
    if_match: int | None = None,
) -> Window:
    with uow:
        window = _load(uow, window_id, if_match, unit=unit, owner_only=True)
        changed = windows.edit_details(window, changes)
        window_store.save_window(uow.session, changed, window.version)
        emit_window(uow, contracts.WINDOW_DETAILS_CHANGED, changed)
        uow.commit()
    return changed


def set_open(
    uow: UnitOfWork, window_id: int, *, open_: bool, reason: str, if_match: int | None = None
) -> Window:
    with uow:
        window = _load(uow, window_id, if_match)
        change = window_life.open_window if open_ else window_life.close_window
        changed = change(window, reason)
        window_store.save_window(uow.session, changed, window.version)
        event = contracts.WINDOW_OPENED if open_ else contracts.WINDOW_CLOSED
        emit_window(uow, event, changed, reason=reason, rule="EQ-2.2c")
        uow.commit()
    return changed


def request_revocation(
    uow: UnitOfWork, window_id: int, reason: str, *, unit: str | None, if_match: int | None = None
) -> Window:
    with uow:
        window = _load(uow, window_id, if_match, unit=unit, owner_only=True)
        changed = window_life.request_revocation(window, reason, clock.today())
        window_store.save_window(uow.session, changed, window.version)
        emit_window(
            uow, contracts.WINDOW_REVOCATION_REQUESTED, changed, reason=reason, rule="TJ-7.6"
        )
        uow.commit()
    return changed


def consent_to_revocation(
    uow: UnitOfWork, window_id: int, record: dict[str, Any], if_match: int | None = None
) -> Window:
    with uow:
        window = _load(uow, window_id, if_match)
        revoked = window_life.consent_to_revocation(window, _jsonable(record), clock.today())
        window_store.save_window(uow.session, revoked, window.version)
        end_agreement(uow, window_id)
        emit_window(
            uow, contracts.WINDOW_REVOKED, revoked, reason=window.revocation_request, rule="TJ-7.6"
        )
        uow.commit()
    return revoked


def end_agreement(uow: UnitOfWork, window_id: int) -> None:
    """The window is revoked or terminated: its agreements end, a renewal yet to start too."""
    for agreement in agreement_store.running_agreements(uow.session, window_id):
        agreement_store.save_agreement(
            uow.session, replace(agreement, status=agreement_rules.AgreementStatus.ENDED)
        )


def record_receipt(uow: UnitOfWork, window_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """EQ-2.2b: the agent takes materials for one of the window's units, which is told to come
    and accept them formally."""
    with uow:
        window = _load(uow, window_id, None)
        if window.type is not WindowType.COMPREHENSIVE:
            raise RuleViolation(
                "only a comprehensive window receives for other units (EQ-2.2b)",
                rule="EQ-2.2b",
                field="window",
            )
        if not window.serves(body["unit_code"]):
            raise RuleViolation(
                f"{body['unit_code']} does not share this window (EQ-2.2b)",
                rule="EQ-2.2b",
                field="unit_code",
            )
        matter_store.get_matter(uow.session, body["matter_code"])
        today = clock.today()
        agreement = agreement_store.agreement_on(uow.session, window_id, today)
        window_life.check_accepts(window, agreement, body["matter_code"], today)
        values = {
            **body,
            "window_id": window_id,
            "received_at": clock.now(),
            "received_by": uow.actor or "",
        }
        receipt_id = insert_returning_id(uow.session, tables.receipts, values)
        uow.emit(
            contracts.MATERIALS_RECEIVED.name,
            subject=str(window_id),
            data={
                **{k: v for k, v in values.items() if k != "received_by"},
                "receipt_id": receipt_id,
            },
        )
        uow.commit()
    return {"id": receipt_id, **values}


def get(uow: UnitOfWork, window_id: int, *, unit: str | None) -> Window:
    with uow:
        return window_store.get_window(uow.session, window_id, unit=unit)


def list_windows(
    uow: UnitOfWork, *, unit: str | None, state: str | None, after: int, limit: int
) -> list[Window]:
    query = select(tables.windows).where(tables.windows.c.id > after).order_by(tables.windows.c.id)
    if unit is not None:
        mine = select(tables.window_units.c.window_id).where(
            tables.window_units.c.unit_code == unit
        )
        query = query.where(tables.windows.c.id.in_(mine))
    if state:
        query = query.where(tables.windows.c.state == state)
    with uow:
        rows = uow.session.execute(query.limit(limit)).all()
    return [window_store.window_from_row(row) for row in rows]


def _load(
    uow: UnitOfWork,
    window_id: int,
    if_match: int | None,
    *,
    unit: str | None = None,
    owner_only: bool = False,
) -> Window:
    window = window_store.get_window(uow.session, window_id, unit=unit)
    if owner_only and unit is not None and window.unit_code != unit:
        raise NotFound(f"no window {window_id}")  # a co-unit reads it but does not change it
    if if_match is not None and if_match != window.version:
        raise PreconditionFailed(
            f"the window is at version {window.version}, not {if_match}; reload and retry"
        )
    return window


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in record.items()}


def seasonal_sweep(uow: UnitOfWork, today: date) -> int:
    """EQ-2.2d: open seasonal windows in their months and close them after."""
    changed = 0
    with uow:
        rows = uow.session.execute(
            select(tables.windows).where(
                tables.windows.c.type == WindowType.SEASONAL.value,
                tables.windows.c.state == windows.WindowState.ACTIVE.value,
            )
        ).all()
        for row in rows:
            window = window_store.window_from_row(row)
            opening = window_life.seasonal_change(window, today)
            if opening is None:
                continue
            reason = f"seasonal: month {today.month} is {'in' if opening else 'out of'} season"
            change = window_life.open_window if opening else window_life.close_window
            updated = change(window, reason)
            window_store.save_window(uow.session, updated, window.version)
            event = contracts.WINDOW_OPENED if opening else contracts.WINDOW_CLOSED
            emit_window(uow, event, updated, reason=reason, rule="EQ-2.2d")
            changed += 1
        uow.commit()
    return changed
