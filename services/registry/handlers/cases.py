"""Cases through the full chain (EQ-4.3): acceptance at a window that may take them, each step,
one-time notification (EQ-4.4b), extensions (EQ-4.4c), agency assistance (EQ-4.4d), and the
clocks a hall's closure moves (EQ-4.5). Reading cases is `case_reading`; the days a case's
clock counts are `open_days`."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.registry.adapters import tables
from services.registry.adapters.repositories import agreements as agreement_store
from services.registry.adapters.repositories import cases as store
from services.registry.adapters.repositories import matters as matter_store
from services.registry.adapters.repositories import windows as window_store
from services.registry.contracts import cases as contracts
from services.registry.domain import cases as rules
from services.registry.domain import window_life
from services.registry.domain.cases import Case, Stage
from services.registry.domain.clock import WorkingDays
from services.registry.domain.matters import MatterVersion
from services.registry.handlers import case_reading, open_days
from shared import clock, receipts
from shared.errors import Invalid, NotFound, RuleViolation
from shared.events import EventType
from shared.unit_of_work import UnitOfWork
from shared.workdays import HallCalendar

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def emit_case(
    uow: UnitOfWork,
    event: EventType,
    case: Case,
    receipt: str,
    today: date,
    *,
    staff_id: str = "",
    level: str = "",
    detail: str = "",
    query_code_verifier: str = "",
) -> None:
    uow.emit(
        event.name,
        subject=str(case.id),
        data={
            "case_id": case.id,
            "receipt_number": receipt,
            "window_id": case.window_id,
            "unit_code": case.unit_code,
            "matter_code": case.matter_code,
            "stage": case.stage.value,
            "staff_id": staff_id,
            "accepted_on": case.accepted_on,
            "due_on": case.due_on,
            "paused": case.paused,
            "on": today,
            "level": level,
            "detail": detail,
            "overdue": case.done and case.history[-1].on > case.due_on,
            **({"query_code_verifier": query_code_verifier} if query_code_verifier else {}),
        },
    )


def accept(
    uow: UnitOfWork,
    calendar: HallCalendar,
    unit: str | None,
    body: dict[str, Any],
    today: date | None = None,
) -> dict[str, Any]:
    """A case accepted at an active window for a matter its agreement delegates (TJ-2.1).

    `accepted_on` (the center only, checked by the API) records a case accepted on an earlier
    day: the agreement must have been in force and delegating the matter that day, and the
    matter published by then; its version in force that day is the one recorded."""
    today = today or clock.today()
    accepted_on = rules.check_acceptance_day(body.get("accepted_on") or today, today)
    earlier = accepted_on != today
    with uow:
        window = window_store.get_window(uow.session, body["window_id"], unit=unit)
        matter = (
            _matter_in_force(uow.session, body["matter_code"], accepted_on)
            if earlier
            else matter_store.get_matter(uow.session, body["matter_code"])
        )
        agreement = agreement_store.agreement_on(uow.session, window.id or 0, accepted_on)
        try:
            window_life.check_accepts(window, agreement, matter.code, accepted_on)
        except RuleViolation as exc:
            # The agreement's term and matters are judged on the day of acceptance: name it.
            if earlier and exc.rule in ("TJ-5.5", "TJ-2.1"):
                detail = f"on {accepted_on}: {exc.detail}"
                raise RuleViolation(detail, rule=exc.rule, field="accepted_on") from exc
            raise
        hall_open = open_days.hall_days(uow.session, window.hall_code, calendar)
        owner = (
            matter.unit_code
            if matter.unit_code and window.serves(matter.unit_code)
            else (window.unit_code)
        )
        case = rules.accept(
            window_id=window.id or 0,
            unit_code=owner,
            matter_code=matter.code,
            matter_version=matter.version,
            applicant=body["applicant"],
            limit_days=matter.promised_limit_days,
            extension_allowance=matter.extension_days,
            staff_id=body["staff_id"],
            now=clock.now(),
            today=today,
            calendar=hall_open,
            accepted_on=accepted_on,
        )
        if body.get("assisted_by"):
            case = rules.assist(case, body["assisted_by"])
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        case_id = store.add_case(uow.session, case, uuid.uuid4().hex[:32], "")
        receipt = f"{today:%Y%m%d}{case_id:08d}"
        uow.session.execute(
            update(tables.cases)
            .where(tables.cases.c.id == case_id)
            .values(receipt_number=receipt, query_code_hash=case_reading.code_hash(receipt, code))
        )
        case = replace(case, id=case_id)
        emit_case(
            uow,
            contracts.CASE_ACCEPTED,
            case,
            receipt,
            today,
            staff_id=body["staff_id"],
            detail=f"accepted on {accepted_on}, recorded on {today}" if earlier else "",
            query_code_verifier=receipts.verifier(receipt, code),
        )
        uow.commit()
    return {**case_reading.view(case, receipt), "query_code": code}


def _matter_in_force(session: Session, code: str, day: date) -> MatterVersion:
    """The matter's version published by the end of `day`, the newest such."""
    published = session.execute(
        select(tables.matter_versions.c.version, tables.matter_versions.c.published_at).where(
            tables.matter_versions.c.code == code
        )
    ).all()
    if not published:
        raise NotFound(f"no matter {code}")
    in_force = [version for version, at in published if clock.hall_day(at) <= day]
    if not in_force:
        first = min(clock.hall_day(at) for _, at in published)
        raise Invalid(
            f"matter {code} was published on {first}: no case for it was accepted on {day}",
            field="accepted_on",
        )
    return matter_store.get_matter(session, code, max(in_force))


Change = Callable[[Case], Case]


def change(
    uow: UnitOfWork,
    case_id: int,
    unit: str | None,
    event: EventType,
    apply: Change,
    *,
    staff_id: str = "",
    detail: str = "",
    today: date | None = None,
) -> dict[str, Any]:
    """Load, apply one domain change, save optimistically, emit, commit."""
    today = today or clock.today()
    with uow:
        case, row = store.get_case(uow.session, case_id, unit=unit)
        changed = apply(case)
        store.save_case(uow.session, changed, case.version)
        emit_case(uow, event, changed, row.receipt_number, today, staff_id=staff_id, detail=detail)
        uow.commit()
    return case_reading.view(changed, row.receipt_number)


def advance(
    uow: UnitOfWork,
    calendar: HallCalendar,
    case_id: int,
    unit: str | None,
    body: dict[str, Any],
    today: date | None = None,
) -> dict[str, Any]:
    day = today or clock.today()
    stage = Stage(body["stage"])
    return change(
        uow,
        case_id,
        unit,
        contracts.CASE_ADVANCED,
        lambda c: rules.advance(
            c,
            stage,
            body["staff_id"],
            body.get("note", ""),
            clock.now(),
            day,
            open_days.window_days(uow.session, c.window_id, calendar),
        ),
        staff_id=body["staff_id"],
        today=day,
    )


def refuse(
    uow: UnitOfWork, case_id: int, unit: str | None, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    day = today or clock.today()
    return change(
        uow,
        case_id,
        unit,
        contracts.CASE_REFUSED,
        lambda c: rules.refuse(c, body["reason"], body["staff_id"], clock.now(), day),
        staff_id=body["staff_id"],
        detail=body["reason"],
        today=day,
    )


def request_supplement(
    uow: UnitOfWork, case_id: int, unit: str | None, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    day = today or clock.today()
    return change(
        uow,
        case_id,
        unit,
        contracts.CASE_SUPPLEMENT_REQUESTED,
        lambda c: rules.request_supplement(c, body["materials"], day),
        staff_id=body["staff_id"],
        detail="; ".join(body["materials"]),
        today=day,
    )


def supplement_received(
    uow: UnitOfWork,
    calendar: HallCalendar,
    case_id: int,
    unit: str | None,
    body: dict[str, Any],
    today: date | None = None,
) -> dict[str, Any]:
    day = today or clock.today()
    return change(
        uow,
        case_id,
        unit,
        contracts.CASE_SUPPLEMENT_RECEIVED,
        lambda c: rules.supplement_received(
            c, day, open_days.window_days(uow.session, c.window_id, calendar)
        ),
        staff_id=body["staff_id"],
        today=day,
    )


def extend(
    uow: UnitOfWork,
    calendar: HallCalendar,
    case_id: int,
    unit: str | None,
    body: dict[str, Any],
    today: date | None = None,
) -> dict[str, Any]:
    day = today or clock.today()
    return change(
        uow,
        case_id,
        unit,
        contracts.CASE_EXTENDED,
        lambda c: rules.extend(
            c,
            body["days"],
            body["reason"],
            day,
            open_days.window_days(uow.session, c.window_id, calendar),
        ),
        staff_id=body["staff_id"],
        detail=body["reason"],
        today=day,
    )


def assist(uow: UnitOfWork, case_id: int, unit: str | None, body: dict[str, Any]) -> dict[str, Any]:
    return change(
        uow,
        case_id,
        unit,
        contracts.CASE_ASSISTED,
        lambda c: rules.assist(c, body["staff_id"]),
        staff_id=body["staff_id"],
    )


def reschedule_for_closure(
    uow: UnitOfWork, calendar: WorkingDays, hall_code: str, starts_on: date, today: date
) -> int:
    """EQ-4.5: a closure (or move) announced in the hall stops the clock of its open cases on
    the closed days; those whose due date or step deadline falls from its first day on are
    clocked again, each with `case.rescheduled`. Runs in the announcement's transaction."""
    days = open_days.hall_days(uow.session, hall_code, calendar)
    c = tables.cases.c
    rows = uow.session.execute(
        select(tables.cases, tables.windows.c.hall_code)
        .join(tables.windows, tables.windows.c.id == c.window_id)
        .where(
            c.open,
            ~c.paused,
            tables.windows.c.hall_code == hall_code,
            (c.due_on >= starts_on) | (c.stage_due_on >= starts_on),
        )
        .order_by(c.id)
    ).all()
    moved = 0
    for row in rows:
        case = store.case_from_row(row)
        changed = rules.reschedule(case, days, today)
        if changed is None:
            continue
        store.save_case(uow.session, changed, case.version)
        emit_case(
            uow,
            contracts.CASE_RESCHEDULED,
            changed,
            row.receipt_number,
            today,
            detail=f"the hall is closed from {starts_on}; due on {changed.due_on}",
        )
        moved += 1
    return moved
