"""The hall's clock: instants in UTC, calendar days in the hall's own time zone."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.sqltypes import utcnow

HALL_TIMEZONE = ZoneInfo(os.environ.get("HALL_TIMEZONE", "Asia/Shanghai"))


def now() -> datetime:
    return utcnow()


def today() -> date:
    """Today in the hall: a case accepted at 07:30 in Zhengzhou is accepted that day, not the
    UTC day before."""
    return datetime.now(HALL_TIMEZONE).date()


def hall_day(instant: datetime) -> date:
    """The hall's calendar day of an instant: an evaluation at 23:30 UTC counts the next day."""
    return instant.astimezone(HALL_TIMEZONE).date()
