"""The days a case's clock counts: its hall's working days, the statutory ones less the hall's
announced closures (EQ-4.5)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.registry.adapters import tables
from services.registry.domain import halls
from services.registry.domain.clock import OpenDays, WorkingDays


def hall_days(session: Session, hall_code: str, calendar: WorkingDays) -> OpenDays:
    """The hall's working days: the statutory ones less its announced closures (EQ-4.5)."""
    rows = session.execute(
        select(tables.hall_notices).where(tables.hall_notices.c.hall_code == hall_code)
    ).all()
    notices = [
        halls.HallNotice(**{**row._mapping, "kind": halls.NoticeKind(row.kind)}) for row in rows
    ]
    return OpenDays(calendar, halls.closed_days(notices))


def window_days(session: Session, window_id: int, calendar: WorkingDays) -> OpenDays:
    """The working days of the hall the window is in."""
    hall_code = session.execute(
        select(tables.windows.c.hall_code).where(tables.windows.c.id == window_id)
    ).scalar_one()
    return hall_days(session, hall_code, calendar)
