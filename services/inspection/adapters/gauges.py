"""The hall's state for Prometheus, read at scrape time: sanctions in force by kind (TJ-8.1,
TJ-8.2)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.inspection.adapters.tables import sanctions as sanction_tables
from services.inspection.domain.sanctions import CURRENT, Kind
from shared.scrape import BusinessGauge, Samples

S = sanction_tables.sanctions


def _in_force(session: Session) -> Samples:
    query = (
        select(S.c.kind, func.count())
        .where(S.c.status.in_([status.value for status in CURRENT]))
        .group_by(S.c.kind)
    )
    return [((kind,), n) for kind, n in session.execute(query)]


GAUGES = (
    BusinessGauge(
        "govhall_inspection_sanctions_in_force",
        "Sanctions in force (an open order, a suspension not lifted, …), by kind",
        ("kind",),
        _in_force,
        known=tuple((k.value,) for k in Kind),
    ),
)
