"""Scoring a hall's cycle (EQ-3.2.2a–c): every assessed staff member and window by the
cycle's scheme, in bulk, and grades proposed within the quota."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from services.staffing.adapters import tables
from services.staffing.contracts import assessment as contracts
from services.staffing.domain import assessment_grades as grade_rules
from services.staffing.domain import assessment_scores as score_rules
from services.staffing.domain.assessment import CycleState
from services.staffing.domain.assessment_grades import Ranked
from services.staffing.domain.assessment_scheme import Scheme
from services.staffing.handlers import assessment_inputs as inputs
from services.staffing.handlers.assessment import (
    cents,
    cycle_row,
    cycle_view,
    emit_cycle,
    has_exception,
    refresh_assessed,
)
from services.staffing.handlers.assessment_schemes import scheme
from shared.errors import StateConflict
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork

RESULTS = tables.assessment_results
CYCLES = tables.assessment_cycles


def score(uow: UnitOfWork, hall: str | None, year: int) -> dict[str, Any]:
    """Scores every assessed staff member and window by the cycle's scheme and proposes grades
    within the quota. Each scoring first recounts who served and how long (EQ-3.2.2a), so that
    anyone posted since the cycle opened is assessed; scoring again before finalising also takes
    in late facts, and keeps every grade the center calibrated for whoever is still assessed."""
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        cycle = cycle_row(uow, hall, year, lock=True)
        if cycle.state == CycleState.FINALISED:
            raise StateConflict(f"the {year} assessment is finalised; appeal instead")
        by = scheme(uow, cycle.scheme_version)
        refresh_assessed(uow, hall, year)
        scored = _score_staff(uow, hall, year, by)
        _score_windows(uow, hall, year, by, scored)
        uow.session.execute(
            update(CYCLES)
            .where(CYCLES.c.hall_code == hall, CYCLES.c.year == year)
            .values(state=CycleState.SCORED.value, scored_at=utcnow())
        )
        emit_cycle(uow, contracts.CYCLE_SCORED, hall, year)
        uow.commit()
        return cycle_view(uow, cycle_row(uow, hall, year))


def _score_staff(uow: UnitOfWork, hall: str, year: int, by: Scheme) -> dict[str, Decimal]:
    people = uow.session.execute(
        select(RESULTS).where(RESULTS.c.hall_code == hall, RESULTS.c.year == year)
    ).all()
    facts = inputs.staff_facts(uow, year)
    calibrated = set(
        uow.session.execute(
            select(tables.assessment_grade_changes.c.staff_id).where(
                tables.assessment_grade_changes.c.hall_code == hall,
                tables.assessment_grade_changes.c.year == year,
            )
        ).scalars()
    )
    scores, ranked = {}, []
    for person in people:
        served = Fraction(person.served_days, person.year_days)
        tally, listed = facts.get(person.staff_id, (score_rules.Tally(), []))
        result = score_rules.score_staff(by, listed, served, tally)
        parts = result.components()
        scores[person.staff_id] = (result, person.grade)
        ranked.append(
            Ranked(
                person.staff_id,
                result.total,
                parts.get("timeliness", Decimal(0)),
                parts.get("satisfaction", Decimal(0)),
                served,
            )
        )
    proposals = grade_rules.propose(by, ranked, exception=has_exception(cycle_row(uow, hall, year)))
    rows = []
    for staff_id, (result, grade) in scores.items():
        proposed = proposals[staff_id].value
        rows.append(
            {
                "k_staff_id": staff_id,
                "total_cents": cents(result.total),
                "components": {k: str(v) for k, v in result.components().items()},
                "proposed_grade": proposed,
                "grade": grade if staff_id in calibrated and grade else proposed,
            }
        )
    if rows:
        _bulk_update_results(uow, hall, year, rows)
    return {staff_id: result.total for staff_id, (result, _) in scores.items()}


def _bulk_update_results(uow: UnitOfWork, hall: str, year: int, rows: list[dict[str, Any]]) -> None:
    statement = (
        update(RESULTS)
        .where(
            RESULTS.c.hall_code == hall,
            RESULTS.c.year == year,
            RESULTS.c.staff_id == bindparam("k_staff_id"),
        )
        .values(
            total_cents=bindparam("total_cents"),
            components=bindparam("components"),
            proposed_grade=bindparam("proposed_grade"),
            grade=bindparam("grade"),
        )
    )
    uow.session.connection().execute(statement, rows)


def window_stints(
    uow: UnitOfWork, hall: str, year: int, totals: dict[str, Decimal], window_id: int | None = None
) -> dict[int, list[score_rules.Stint]]:
    """Each window's staff: their totals and the share of the year each served there."""
    table = tables.assessment_stints
    query = (
        select(table)
        .where(table.c.hall_code == hall, table.c.year == year)
        .order_by(table.c.staff_id)
    )
    if window_id is not None:
        query = query.where(table.c.window_id == window_id)
    year_days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    served: dict[int, list[score_rules.Stint]] = defaultdict(list)
    for stint in uow.session.execute(query):
        if stint.staff_id not in totals:  # not scored yet
            continue
        served[stint.window_id].append(
            score_rules.Stint(
                totals[stint.staff_id],
                Fraction(stint.served_days, year_days),
                f"staff:{stint.staff_id}",
            )
        )
    return served


def _score_windows(
    uow: UnitOfWork, hall: str, year: int, by: Scheme, totals: dict[str, Decimal]
) -> None:
    """Every window of the hall published on some day of the year (EQ-3.2.2a), and any other of
    the hall that had staff or facts: one with neither starts at the competent threshold, and
    counts in its unit's target all the same (EQ-3.2.2b). A window's average counts the staff
    assessed in its hall."""
    served = window_stints(uow, hall, year, totals)
    window_facts = inputs.window_facts(uow, year)
    units = inputs.window_units(uow)
    published = inputs.published_windows(uow, year)
    halls = inputs.window_halls(uow)
    uow.session.execute(
        delete(tables.assessment_window_results).where(
            tables.assessment_window_results.c.hall_code == hall,
            tables.assessment_window_results.c.year == year,
        )
    )
    rows = []
    for window_id in sorted(set(served) | set(window_facts) | set(published)):
        if halls.get(window_id) != hall:
            continue
        result = score_rules.score_window(
            by, served.get(window_id, []), window_facts.get(window_id, [])
        )
        rows.append(
            {
                "hall_code": hall,
                "year": year,
                "window_id": window_id,
                "unit_code": units.get(window_id, ""),
                "staff_count": len(served.get(window_id, [])),
                "total_cents": cents(result.total),
                "components": {k: str(v) for k, v in result.components().items()},
            }
        )
    if rows:
        uow.session.execute(insert(tables.assessment_window_results), rows)
