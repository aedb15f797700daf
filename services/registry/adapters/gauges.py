"""The hall's state for Prometheus, read at scrape time: open windows by type, open cases by
their supervision warning (EQ-1.4)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.registry.adapters import tables
from services.registry.domain.cases import Warning
from services.registry.domain.windows import WindowState, WindowType
from shared.scrape import BusinessGauge, Samples

W, C = tables.windows, tables.cases


def _windows_open(session: Session) -> Samples:
    query = (
        select(W.c.type, func.count())
        .where(W.c.state == WindowState.ACTIVE.value, W.c.is_open.is_(True))
        .group_by(W.c.type)
    )
    return [((kind,), n) for kind, n in session.execute(query)]


def _cases_open(session: Session) -> Samples:
    query = select(C.c.warning, func.count()).where(C.c.open.is_(True)).group_by(C.c.warning)
    return [((warning,), n) for warning, n in session.execute(query)]


GAUGES = (
    BusinessGauge(
        "govhall_registry_windows_open",
        "Windows taking cases now (published, active and open), by type",
        ("type",),
        _windows_open,
        known=tuple((t.value,) for t in WindowType),
    ),
    BusinessGauge(
        "govhall_registry_cases_open",
        "Cases not yet concluded, by supervision warning (red: past the time limit)",
        ("warning",),
        _cases_open,
        known=tuple((w.value,) for w in Warning),
    ),
)


def latest_due_date(session: Session) -> date | None:
    """The latest due date of an open case: the calendar's horizon (shared/health.py)."""
    # `open`, not `open IS true`: PostgreSQL matches only the former to a partial index.
    return session.execute(select(func.max(C.c.due_on)).where(C.c.open)).scalar()
