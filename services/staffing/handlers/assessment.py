"""The annual assessment cycle (EQ-3.2.2a–d): a hall's cycle opened, shown with its quota,
granted the small cycle's exception, and who is assessed in it kept up to date.

Each step is one call over the whole hall: the facts are read as sums per staff member (case
steps and evaluations) plus the few that are listed (complaints, findings, training, attendance),
and the results are written in bulk. `assessment_inputs.py` builds the facts,
`assessment_scoring.py` scores, `assessment_grades.py` calibrates and finalises,
`assessment_schemes.py` keeps the schemes and `assessment_reports.py` reads the results back.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update

from services.staffing.adapters import tables
from services.staffing.contracts import assessment as contracts
from services.staffing.domain import assessment as rules
from services.staffing.domain import assessment_quota as quota_rules
from services.staffing.domain.assessment import CycleState, Grade
from services.staffing.handlers import assessment_inputs as inputs
from services.staffing.handlers.assessment_schemes import latest_scheme_version, scheme
from shared import clock
from shared.errors import Invalid, NotFound, StateConflict
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork

RESULTS = tables.assessment_results
CYCLES = tables.assessment_cycles


def to_bp(weight: Decimal) -> int:
    return int(rules.check_window_weight(weight) * 10_000)


def from_bp(bp: int) -> Decimal:
    return (Decimal(bp) / 10_000).quantize(Decimal("0.0001"))


def cents(points: Decimal) -> int:
    return int(points * 100)


def points(cents_: int | None) -> Decimal | None:
    return None if cents_ is None else Decimal(cents_).scaleb(-2)


def cycle_row(uow: UnitOfWork, hall: str, year: int, *, lock: bool = False) -> Any:
    """The cycle of a year. `lock` holds its row until commit: whatever counts the excellent
    grades against the quota (EQ-3.2.2c) takes it first, so two concurrent calibrations,
    appeals or a finalisation cannot each see room for the same last place."""
    query = select(CYCLES).where(CYCLES.c.hall_code == hall, CYCLES.c.year == year)
    row = uow.session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"no {year} assessment cycle in hall {hall}")
    return row


def _grade_counts(uow: UnitOfWork, hall: str, year: int) -> dict[str, int]:
    rows = uow.session.execute(
        select(RESULTS.c.grade).where(RESULTS.c.hall_code == hall, RESULTS.c.year == year)
    ).scalars()
    return dict(Counter(g for g in rows if g))


def cycle_view(uow: UnitOfWork, row: Any) -> dict[str, Any]:
    """The cycle with the quota as it stands, shown while calibrating (EQ-3.2.2c)."""
    grades = _grade_counts(uow, row.hall_code, row.year)
    assessed = uow.session.execute(
        select(func.count())
        .select_from(RESULTS)
        .where(RESULTS.c.hall_code == row.hall_code, RESULTS.c.year == row.year)
    ).scalar_one()
    quota = quota_rules.quota(assessed, has_exception(row))
    excellent = grades.get(Grade.EXCELLENT.value, 0)
    return {
        **{k: v for k, v in row._mapping.items() if k != "window_weight_bp"},
        "window_weight": str(from_bp(row.window_weight_bp)),
        "assessed": assessed,
        "quota": quota,
        "excellent": excellent,
        "over_by": max(0, excellent - quota),
        "grades": grades,
    }


def has_exception(cycle: Any) -> bool:
    """The authority granted this cycle one excellent place its 20% floors to none of."""
    return cycle.quota_exception_by is not None


def grant_quota_exception(
    uow: UnitOfWork, hall: str | None, year: int, reason: str
) -> dict[str, Any]:
    """LR-SMALL-QUOTA: the authority's written exception for a hall's cycle of fewer than 5
    assessed, kept on the cycle with who granted it and why; the next scoring proposes within
    it."""
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        row = cycle_row(uow, hall, year, lock=True)
        assessed = uow.session.execute(
            select(func.count())
            .select_from(RESULTS)
            .where(RESULTS.c.hall_code == hall, RESULTS.c.year == year)
        ).scalar_one()
        why = quota_rules.grant_small_quota(CycleState(row.state), assessed, reason)
        uow.session.execute(
            update(CYCLES)
            .where(CYCLES.c.hall_code == hall, CYCLES.c.year == year)
            .values(quota_exception_by=uow.actor or "authority", quota_exception_reason=why)
        )
        view = cycle_view(uow, cycle_row(uow, hall, year))
        uow.commit()
    return view


def emit_cycle(uow: UnitOfWork, event: Any, hall: str, year: int) -> None:
    view = cycle_view(uow, cycle_row(uow, hall, year))
    keys = ("hall_code", "year", "state", "scheme_version", "assessed", "quota", "grades")
    uow.emit(event.name, f"{hall}/{year}", {k: view[k] for k in keys})


def open_cycle(
    uow: UnitOfWork, body: dict[str, Any], hall: str | None = None, today: date | None = None
) -> dict[str, Any]:
    """EQ-3.2.2a: every staff member who served in the hall in the year, part-year included. A
    year may be opened while it runs: scoring takes in whoever has served by then. Each hall
    has its own cycle, with its own scheme version, weight, appeal days and quota."""
    year = body["year"]
    if year > (today or clock.today()).year:
        raise Invalid(f"{year} has not begun", field="year")
    weight = to_bp(body.get("window_weight", rules.MIN_WINDOW_WEIGHT))
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        if uow.session.execute(
            select(CYCLES.c.year).where(CYCLES.c.hall_code == hall, CYCLES.c.year == year)
        ).first():
            raise StateConflict(f"the {year} assessment is open already", field="year")
        version = body.get("scheme_version") or latest_scheme_version(uow)
        scheme(uow, version)  # it exists
        uow.session.execute(
            insert(CYCLES).values(
                hall_code=hall,
                year=year,
                state=CycleState.OPEN.value,
                scheme_version=version,
                window_weight_bp=weight,
                appeal_days=body.get("appeal_days") or rules.APPEAL_DAYS,
                opened_by=uow.actor or "center",
                opened_at=utcnow(),
            )
        )
        refresh_assessed(uow, hall, year)
        emit_cycle(uow, contracts.CYCLE_OPENED, hall, year)
        uow.commit()
        return cycle_view(uow, cycle_row(uow, hall, year))


ASSESSED_KEYS = ("unit_code", "window_id", "served_days", "year_days")


def refresh_assessed(uow: UnitOfWork, hall: str, year: int) -> int:
    """EQ-3.2.2a: who served in the hall in `year`, for how long and at which windows, as the
    records stand now: someone posted since the last look joins, someone whose posting ended the
    day it began leaves, and every share of the year is recounted. Whoever stays keeps their
    score and grade (a calibration included) until scored again. Returns how many changed."""
    results, stints = inputs.assessed(uow, hall, year)
    known = {
        row.staff_id: row
        for row in uow.session.execute(
            select(RESULTS.c.staff_id, *(RESULTS.c[k] for k in ASSESSED_KEYS)).where(
                RESULTS.c.hall_code == hall, RESULTS.c.year == year
            )
        )
    }
    now = {row["staff_id"]: row for row in results}
    gone = sorted(set(known) - set(now))
    joined = [row for staff_id, row in now.items() if staff_id not in known]
    moved = [
        {"k_staff_id": staff_id, **{k: row[k] for k in ASSESSED_KEYS}}
        for staff_id, row in now.items()
        if staff_id in known and tuple(known[staff_id][1:]) != tuple(row[k] for k in ASSESSED_KEYS)
    ]
    if gone:
        uow.session.execute(
            delete(RESULTS).where(
                RESULTS.c.hall_code == hall, RESULTS.c.year == year, RESULTS.c.staff_id.in_(gone)
            )
        )
    if joined:
        uow.session.execute(insert(RESULTS), joined)
    if moved:
        statement = (
            update(RESULTS)
            .where(
                RESULTS.c.hall_code == hall,
                RESULTS.c.year == year,
                RESULTS.c.staff_id == bindparam("k_staff_id"),
            )
            .values({k: bindparam(k) for k in ASSESSED_KEYS})
        )
        uow.session.connection().execute(statement, moved)
    table = tables.assessment_stints
    kept = {
        (r.staff_id, r.window_id): r.served_days
        for r in uow.session.execute(
            select(table).where(table.c.hall_code == hall, table.c.year == year)
        )
    }
    changed = len(gone) + len(joined) + len(moved)
    if kept != {(r["staff_id"], r["window_id"]): r["served_days"] for r in stints}:
        uow.session.execute(delete(table).where(table.c.hall_code == hall, table.c.year == year))
        if stints:
            uow.session.execute(insert(table), stints)
        changed += 1
    return changed
