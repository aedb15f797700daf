"""The monthly ranking of windows (issue 7 point 7, TJ-7.5): by the public's evaluations that
stand and by upheld complaints, published to the center once the month is over, then kept as
published (a review voided or a complaint corrected later does not rewrite it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from services.inspection.adapters.tables import complaints as complaint_tables
from services.inspection.adapters.tables import evaluations as tables
from services.inspection.adapters.tables import learned
from services.inspection.contracts import evaluations as events
from services.inspection.domain import evaluations as rules
from services.inspection.domain.complaints import Status as ComplaintStatus
from services.inspection.domain.evaluations import Source, WindowMonth
from shared import clock
from shared.errors import Conflict, NotFound
from shared.service import ServiceRuntime
from shared.unit_of_work import UnitOfWork

evaluations, rankings, entries = tables.evaluations, tables.rankings, tables.ranking_entries
IN_SERVICE = ("active", "suspended")  # registry's published windows: ranked even if unrated
COLUMNS = [
    *("month", "rank", "position", "window_id", "unit_code", "name_zh", "name_en"),
    *("mean_score", "evaluations", "bad_reviews", "upheld_complaints"),
]


def _evaluated(uow: UnitOfWork, first: date, after: date) -> dict[int, tuple[int, int, int]]:
    """Per window: the public's evaluations that stand, their score sum, the bad reviews."""
    e = evaluations
    rows = uow.session.execute(
        select(
            e.c.window_id,
            func.count(),
            func.sum(e.c.score),
            func.sum(case((e.c.score <= 2, 1), else_=0)),
        )
        .where(
            e.c.source == Source.PUBLIC.value,
            e.c.voided_at.is_(None),
            e.c.submitted_on >= first,
            e.c.submitted_on < after,
        )
        .group_by(e.c.window_id)
    ).all()
    return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}


def _upheld(uow: UnitOfWork, first: date, after: date) -> dict[int, int]:
    """Per window: complaints upheld in the month and not replaced by a correction since."""
    c = complaint_tables.complaints
    later = aliased(c)
    rows = uow.session.execute(
        select(c.c.window_id, func.count())
        .where(
            c.c.status == ComplaintStatus.UPHELD.value,
            c.c.decided_on >= first,
            c.c.decided_on < after,
            ~exists().where(later.c.corrects_id == c.c.id),
        )
        .group_by(c.c.window_id)
    ).all()
    return {row[0]: int(row[1]) for row in rows}


def _windows(uow: UnitOfWork, ids: set[int]) -> dict[int, Any]:
    w = learned.windows
    condition: ColumnElement[bool] = w.c.state.in_(IN_SERVICE)
    if ids:
        condition = condition | w.c.id.in_(ids)
    return {row.id: row for row in uow.session.execute(select(w).where(condition))}


def _month(uow: UnitOfWork, first: date, after: date) -> tuple[list[WindowMonth], dict[int, Any]]:
    evaluated, upheld = _evaluated(uow, first, after), _upheld(uow, first, after)
    known = _windows(uow, set(evaluated) | set(upheld))
    months = [
        WindowMonth(window_id, *evaluated.get(window_id, (0, 0, 0)), upheld.get(window_id, 0))
        for window_id in sorted(set(known) | set(evaluated) | set(upheld))
    ]
    return months, known


def publish(uow: UnitOfWork, month: str, actor: str, today: date | None = None) -> dict[str, Any]:
    """Rank the windows for a month that is over, store the ranking and announce it, once."""
    rules.check_month_over(month, today or clock.today())
    first, after = rules.month_span(month)
    with uow:
        if uow.session.execute(select(rankings.c.month).where(rankings.c.month == month)).first():
            raise Conflict(
                f"the ranking of {month} is published already", rule=rules.RULE, field="month"
            )
        months, known = _month(uow, first, after)
        placed = rules.rank(months)
        now = clock.now()
        # The month is the key: of two concurrent publications one meets it and gets a 409.
        uow.session.execute(
            insert(rankings).values(
                month=month, published_at=now, published_by=actor, windows=len(placed)
            )
        )
        rows = [_entry(month, p, known.get(p.window.window_id)) for p in placed]
        if rows:
            uow.session.execute(insert(entries), rows)
        shown = _view(uow, month, None)
        uow.emit(
            events.RANKING_PUBLISHED.name,
            subject=month,
            data={
                "month": month,
                "windows": len(rows),
                "entries": [_sent(entry) for entry in shown["entries"]],
                "published_at": now,
            },
        )
        uow.commit()
    return shown


def _sent(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as the event carries it: windows named by id, as in every event."""
    return {k: entry[k] for k in COLUMNS if k not in ("month", "name_zh", "name_en")}


def _entry(month: str, placed: rules.Placed, window: Any) -> dict[str, Any]:
    w = placed.window
    return {
        "month": month,
        "position": placed.position,
        "rank": placed.rank,
        "window_id": w.window_id,
        "unit_code": window.unit_code if window is not None else "",
        "name_zh": window.name_zh if window is not None else "",
        "name_en": window.name_en if window is not None else "",
        "evaluations": w.evaluations,
        "score_sum": w.score_sum,
        "bad_reviews": w.bad_reviews,
        "upheld_complaints": w.upheld_complaints,
    }


def _view(uow: UnitOfWork, month: str, unit: str | None) -> dict[str, Any]:
    ranking = uow.session.execute(select(rankings).where(rankings.c.month == month)).first()
    if ranking is None:
        raise NotFound(f"the ranking of {month} has not been published", field="month")
    query = select(entries).where(entries.c.month == month).order_by(entries.c.position)
    if unit is not None:  # a unit reads its own windows' places, not the others'
        query = query.where(entries.c.unit_code == unit)
    shown = []
    for row in uow.session.execute(query):
        mean = WindowMonth(row.window_id, row.evaluations, row.score_sum).mean
        shown.append({**row._mapping, "mean_score": rules.mean_shown(mean)})
    return {**ranking._mapping, "entries": shown}


def get(uow: UnitOfWork, month: str, unit: str | None) -> dict[str, Any]:
    rules.month_span(month)
    with uow:
        return _view(uow, month, unit)


def list_months(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        rows = uow.session.execute(select(rankings).order_by(rankings.c.month.desc())).all()
    return [dict(row._mapping) for row in rows]


def ranking_sweep(rt: ServiceRuntime) -> int:
    """Publishes last month's ranking once the month is over, if nobody has (idempotent). A
    month in which nobody evaluated a window and no complaint was upheld has nothing to rank:
    it is left alone (the center may still publish it)."""
    month = rules.previous_month(clock.today())
    first, after = rules.month_span(month)
    with rt.uow() as uow:
        done = uow.session.execute(select(rankings.c.month).where(rankings.c.month == month))
        if done.first() is not None:
            return 0
        if not _evaluated(uow, first, after) and not _upheld(uow, first, after):
            return 0
    try:
        publish(rt.uow(actor="system:sweep"), month, "system:sweep")
    except (Conflict, IntegrityError):
        return 0  # another worker published it first
    return 1
