"""Halls and their announced closures and moves (EQ-4.5)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select

from services.registry.adapters import tables
from services.registry.contracts import halls as contracts
from services.registry.domain import halls
from services.registry.domain.clock import WorkingDays
from services.registry.handlers import cases
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound
from shared.unit_of_work import UnitOfWork
from shared.workdays import HallCalendar


def register_hall(uow: UnitOfWork, body: dict[str, Any]) -> dict[str, Any]:
    hall = halls.new_hall(**body)
    with uow:
        if _find(uow, hall.code):
            raise Conflict(f"hall {hall.code} exists already", field="code")
        uow.session.execute(insert(tables.halls).values(asdict(hall)))
        uow.emit(contracts.HALL_REGISTERED.name, subject=hall.code, data=asdict(hall))
        uow.commit()
    return asdict(hall)


def announce(
    uow: UnitOfWork,
    hall_code: str,
    body: dict[str, Any],
    today: date | None = None,
    calendar: WorkingDays | None = None,
) -> dict[str, Any]:
    """Announce a closure or move; with the calendar, the hall's open cases whose due date it
    reaches are clocked again in the same transaction (closed days stop the clock)."""
    today = today or clock.today()
    notice = halls.announce(hall_code, halls.NoticeKind(body.pop("kind")), **body, today=today)
    with uow:
        if not _find(uow, hall_code):
            raise NotFound(f"no hall {hall_code}")
        values = {k: v for k, v in asdict(notice).items() if k != "id"}
        values["kind"] = notice.kind.value
        notice_id = insert_returning_id(uow.session, tables.hall_notices, values)
        data = {**values, "id": notice_id}
        uow.emit(contracts.HALL_NOTICE_ANNOUNCED.name, subject=hall_code, data=data)
        if calendar is not None:
            cases.reschedule_for_closure(uow, calendar, hall_code, notice.starts_on, today)
        uow.commit()
    return data


def get_hall(uow: UnitOfWork, code: str) -> dict[str, Any]:
    with uow:
        hall = _find(uow, code)
        if hall is None:
            raise NotFound(f"no hall {code}")
        hall["notices"] = upcoming_notices(uow, code)
    return hall


def list_halls(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        rows = uow.session.execute(select(tables.halls).order_by(tables.halls.c.code)).all()
        return [{**row._mapping, "notices": upcoming_notices(uow, row.code)} for row in rows]


def upcoming_notices(uow: UnitOfWork, hall_code: str) -> list[dict[str, Any]]:
    """Notices not yet over: the directory shows them until the closure or move has passed."""
    today = clock.today()
    rows = uow.session.execute(
        select(tables.hall_notices)
        .where(tables.hall_notices.c.hall_code == hall_code)
        .order_by(tables.hall_notices.c.starts_on)
    ).all()
    return [dict(row._mapping) for row in rows if (row.ends_on or row.starts_on) >= today]


def calendar(
    uow: UnitOfWork, code: str, workdays: HallCalendar, start: date, days: int
) -> list[dict[str, Any]]:
    """The hall's days: statutory working days (HALL_CALENDAR_FILE and chinese-calendar) less
    the announced closures."""
    with uow:
        if not _find(uow, code):
            raise NotFound(f"no hall {code}")
        rows = uow.session.execute(
            select(tables.hall_notices).where(tables.hall_notices.c.hall_code == code)
        ).all()
    notices = [
        halls.HallNotice(**{**row._mapping, "kind": halls.NoticeKind(row.kind)}) for row in rows
    ]
    closed = halls.closed_days(notices)
    result = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        notice = closed.get(day)
        result.append(
            {
                "date": day,
                "workday": workdays.is_workday(day) and notice is None,
                "closed": notice is not None,
                "reason": notice.message_zh if notice else "",
            }
        )
    return result


def _find(uow: UnitOfWork, code: str) -> dict[str, Any] | None:
    row = uow.session.execute(select(tables.halls).where(tables.halls.c.code == code)).first()
    return dict(row._mapping) if row else None


def exists(uow: UnitOfWork, code: str) -> bool:
    return _find(uow, code) is not None
