"""Reading the assessment back: each person's score and its explanation, windows, units'
targets (EQ-3.2.2b), as rows that the API serves as JSON or CSV."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from services.staffing.adapters import tables
from services.staffing.domain import assessment as rules
from services.staffing.domain import assessment_scores as score_rules
from services.staffing.handlers import assessment as cycle
from services.staffing.handlers import assessment_grades as grading
from services.staffing.handlers import assessment_inputs as inputs
from services.staffing.handlers import assessment_schemes as schemes
from services.staffing.handlers import assessment_scoring as scoring
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork

RESULTS = tables.assessment_results


def _staff_view(row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    values["total"] = cycle.points(values.pop("total_cents"))
    values["served"] = str(round(Fraction(row.served_days, row.year_days), 4).__float__())
    return values


def staff_results(
    uow: UnitOfWork,
    hall: str | None,
    year: int,
    unit: str | None,
    grade: str | None,
    after: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        cycle.cycle_row(uow, hall, year)
        query = (
            select(RESULTS)
            .where(RESULTS.c.hall_code == hall, RESULTS.c.year == year)
            .order_by(RESULTS.c.staff_id)
        )
        if unit is not None:
            query = query.where(RESULTS.c.unit_code == unit)
        if grade is not None:
            query = query.where(RESULTS.c.grade == grade)
        if after is not None:
            query = query.where(RESULTS.c.staff_id > after)
        return [_staff_view(r) for r in uow.session.execute(query.limit(limit))]


def staff_result(
    uow: UnitOfWork, hall: str | None, year: int, staff_id: str, unit: str | None
) -> dict[str, Any]:
    changes = tables.assessment_grade_changes
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        row = grading.result_row(uow, hall, year, staff_id, unit)
        history = uow.session.execute(
            select(changes)
            .where(
                changes.c.hall_code == hall, changes.c.year == year, changes.c.staff_id == staff_id
            )
            .order_by(changes.c.id)
        )
        return {**_staff_view(row), "changes": [dict(c._mapping) for c in history]}


def explanation(
    uow: UnitOfWork, hall: str | None, year: int, staff_id: str, unit: str | None
) -> dict[str, Any]:
    """Every line of the score, from the facts as they stand: each names the event or record it
    came from, and the lines add up to the total. When facts arrived after the cycle was scored,
    `stale` says so: scoring again would take them in."""
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        row = grading.result_row(uow, hall, year, staff_id, unit)
        by = schemes.scheme(uow, cycle.cycle_row(uow, hall, year).scheme_version)
        facts = inputs.staff_inputs(uow, year, staff_id)
    score = score_rules.score_staff(by, facts, inputs.served(row))
    scored = cycle.points(row.total_cents)
    return {
        "hall_code": hall,
        "year": year,
        "staff_id": staff_id,
        "scheme_version": by.version,
        "total": score.total,
        "scored_total": scored,
        "stale": scored is not None and scored != score.total,
        "components": {k: str(v) for k, v in score.components().items()},
        "lines": _lines(score),
    }


def _lines(score: score_rules.Score) -> list[dict[str, Any]]:
    return [
        {"component": ln.component, "points": ln.points, "source": ln.source, "note": ln.note}
        for ln in score.lines
    ]


def window_explanation(
    uow: UnitOfWork, hall: str | None, year: int, window_id: int, unit: str | None
) -> dict[str, Any]:
    """Every line of a window's score, from the inputs scoring reads: a line per staff member's
    part of the average (their scored total, weighted by the share of the year they served
    there; `staff:<id>`, whose own explanation goes on from there), then a line per sanction,
    finding, upheld complaint and evaluation against the window itself (`event:<id>`). The
    lines add up to the total; `stale` says a fact arrived after scoring."""
    table = tables.assessment_window_results
    stints = tables.assessment_stints
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        query = select(table).where(
            table.c.hall_code == hall, table.c.year == year, table.c.window_id == window_id
        )
        if unit is not None:
            query = query.where(table.c.unit_code == unit)
        by = schemes.scheme(uow, cycle.cycle_row(uow, hall, year).scheme_version)
        row = uow.session.execute(query).first()
        if row is None:
            raise NotFound(f"window {window_id} has no {year} score")
        staff = select(stints.c.staff_id).where(
            stints.c.hall_code == hall, stints.c.year == year, stints.c.window_id == window_id
        )
        totals = {
            r.staff_id: Decimal(r.total_cents).scaleb(-2)
            for r in uow.session.execute(
                select(RESULTS.c.staff_id, RESULTS.c.total_cents).where(
                    RESULTS.c.hall_code == hall,
                    RESULTS.c.year == year,
                    RESULTS.c.staff_id.in_(staff),
                    RESULTS.c.total_cents.is_not(None),
                )
            )
        }
        served = scoring.window_stints(uow, hall, year, totals, window_id).get(window_id, [])
        facts = inputs.window_facts(uow, year, window_id).get(window_id, [])
    score = score_rules.score_window(by, served, facts)
    scored = cycle.points(row.total_cents)
    return {
        "hall_code": hall,
        "year": year,
        "window_id": window_id,
        "unit_code": row.unit_code,
        "scheme_version": by.version,
        "total": score.total,
        "scored_total": scored,
        "stale": scored != score.total,
        "components": {k: str(v) for k, v in score.components().items()},
        "lines": _lines(score),
    }


# A window's score in parts: each a column of the windows' CSV, 0.00 where it has none.
WINDOW_COMPONENTS = (
    *("staff_average", "base", "satisfaction", "sanction"),
    *("finding", "complaint_upheld", "clamp"),
)


def window_report(
    uow: UnitOfWork, hall: str | None, year: int, unit: str | None
) -> list[dict[str, Any]]:
    table = tables.assessment_window_results
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        cycle.cycle_row(uow, hall, year)
        query = (
            select(table)
            .where(table.c.hall_code == hall, table.c.year == year)
            .order_by(table.c.window_id)
        )
        if unit is not None:
            query = query.where(table.c.unit_code == unit)
        rows = uow.session.execute(query).all()
    report = []
    for row in rows:
        values = dict(row._mapping)
        values["total"] = cycle.points(values.pop("total_cents"))
        report.append(values)
    return report


def unit_report(
    uow: UnitOfWork, hall: str | None, year: int, unit: str | None
) -> list[dict[str, Any]]:
    """Each unit's windows' average and what it adds to the unit's annual target at its weight
    (EQ-3.2.2b), with how its staff were graded."""
    windows = tables.assessment_window_results
    weights = tables.assessment_unit_weights
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        row = cycle.cycle_row(uow, hall, year)
        totals: dict[str, list[Decimal]] = defaultdict(list)
        for w in uow.session.execute(
            select(windows).where(windows.c.hall_code == hall, windows.c.year == year)
        ):
            totals[w.unit_code].append(Decimal(w.total_cents).scaleb(-2))
        set_weights = dict(
            uow.session.execute(
                select(weights.c.unit_code, weights.c.weight_bp).where(
                    weights.c.hall_code == hall, weights.c.year == year
                )
            ).all()
        )
        graded: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for r in uow.session.execute(
            select(RESULTS.c.unit_code, RESULTS.c.grade).where(
                RESULTS.c.hall_code == hall, RESULTS.c.year == year
            )
        ):
            if r.grade:
                graded[r.unit_code][r.grade] += 1
    report = []
    for code in sorted(set(totals) | set(graded)):
        if unit is not None and code != unit:
            continue
        weight = cycle.from_bp(set_weights.get(code, row.window_weight_bp))
        part = score_rules.contribution(code, totals[code], weight)
        report.append(
            {
                "unit_code": code,
                "windows": part.windows,
                "window_average": part.window_average,
                "weight": part.weight,
                "points": part.points,
                **{g.value: graded[code].get(g.value, 0) for g in rules.Grade},
            }
        )
    return report
