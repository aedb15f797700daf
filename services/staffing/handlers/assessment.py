"""The annual assessment cycle (EQ-3.2.2a–d): open, score, calibrate, finalise.

Each step is one call over the whole hall: the facts are read as sums per staff member (case
steps and evaluations) plus the few that are listed (complaints, findings, training, attendance),
and the results are written in bulk. `inputs.py` builds the facts; `assessment_reports.py` reads
the results back.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update

from services.staffing import contracts
from services.staffing.adapters import tables
from services.staffing.domain import assessment as rules
from services.staffing.domain.assessment import CycleState, Grade, Ranked, Scheme
from services.staffing.handlers import assessment_inputs as inputs
from services.staffing.handlers import staff as staff_handlers
from shared import clock
from shared.db import utcnow
from shared.errors import Invalid, NotFound, StateConflict
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


# --- schemes ------------------------------------------------------------------------------------


def scheme(uow: UnitOfWork, version: int) -> Scheme:
    """Version 1 is the built-in defaults (docs/assessment.md); later ones are published."""
    if version == 1:
        return Scheme()
    row = uow.session.execute(
        select(tables.assessment_schemes).where(tables.assessment_schemes.c.version == version)
    ).first()
    if row is None:
        raise NotFound(f"no scoring scheme version {version}")
    return rules.scheme_from(version, row.values)


def latest_scheme_version(uow: UnitOfWork) -> int:
    table = tables.assessment_schemes
    newest = uow.session.execute(select(table.c.version).order_by(table.c.version.desc())).first()
    return newest.version if newest else 1


def publish_scheme(uow: UnitOfWork, values: dict[str, Any]) -> dict[str, Any]:
    with uow:
        version = latest_scheme_version(uow) + 1
        published = rules.scheme_from(version, values)
        stored = rules.scheme_values(published)
        row = {
            "version": version,
            "values": stored,
            "published_by": uow.actor or "center",
            "published_at": utcnow(),
        }
        uow.session.execute(insert(tables.assessment_schemes).values(row))
        uow.emit(
            contracts.SCHEME_PUBLISHED.name, str(version), {"version": version, "values": stored}
        )
        uow.commit()
    return {"version": version, "values": stored}


def list_schemes(uow: UnitOfWork) -> list[dict[str, Any]]:
    builtin = {"version": 1, "values": rules.scheme_values(Scheme()), "published_by": "built in"}
    table = tables.assessment_schemes
    with uow:
        rows = uow.session.execute(select(table).order_by(table.c.version)).all()
    return [builtin, *(dict(r._mapping) for r in rows)]


# --- the cycle ----------------------------------------------------------------------------------


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
    quota = rules.quota(assessed, has_exception(row))
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
        why = rules.grant_small_quota(CycleState(row.state), assessed, reason)
        uow.session.execute(
            update(CYCLES)
            .where(CYCLES.c.hall_code == hall, CYCLES.c.year == year)
            .values(quota_exception_by=uow.actor or "authority", quota_exception_reason=why)
        )
        view = cycle_view(uow, cycle_row(uow, hall, year))
        uow.commit()
    return view


def _emit_cycle(uow: UnitOfWork, event: Any, hall: str, year: int) -> None:
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
        _emit_cycle(uow, contracts.CYCLE_OPENED, hall, year)
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
        _emit_cycle(uow, contracts.CYCLE_SCORED, hall, year)
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
        tally, listed = facts.get(person.staff_id, (rules.Tally(), []))
        result = rules.score_staff(by, listed, served, tally)
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
    proposals = rules.propose(by, ranked, exception=has_exception(cycle_row(uow, hall, year)))
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
) -> dict[int, list[rules.Stint]]:
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
    served: dict[int, list[rules.Stint]] = defaultdict(list)
    for stint in uow.session.execute(query):
        if stint.staff_id not in totals:  # not scored yet
            continue
        served[stint.window_id].append(
            rules.Stint(
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
        result = rules.score_window(by, served.get(window_id, []), window_facts.get(window_id, []))
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


# --- calibration and finalising -----------------------------------------------------------------


def result_row(
    uow: UnitOfWork, hall: str, year: int, staff_id: str, unit: str | None = None
) -> Any:
    query = select(RESULTS).where(
        RESULTS.c.hall_code == hall, RESULTS.c.year == year, RESULTS.c.staff_id == staff_id
    )
    if unit is not None:
        query = query.where(RESULTS.c.unit_code == unit)
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound(f"{staff_id} was not assessed in {year}")
    return row


def record_change(
    uow: UnitOfWork, hall: str, year: int, change: rules.GradeChange, unit: str
) -> None:
    uow.session.execute(
        update(RESULTS)
        .where(
            RESULTS.c.hall_code == hall,
            RESULTS.c.year == year,
            RESULTS.c.staff_id == change.staff_id,
        )
        .values(grade=change.after.value)
    )
    uow.session.execute(
        insert(tables.assessment_grade_changes).values(
            hall_code=hall,
            year=year,
            staff_id=change.staff_id,
            kind=change.kind,
            before=change.before.value,
            after=change.after.value,
            reason=change.reason,
            by=change.by,
            at=utcnow(),
        )
    )
    member = staff_handlers.load(uow, change.staff_id)
    data = {
        "hall_code": hall,
        "year": year,
        "staff_id": change.staff_id,
        "name": member.name,
        "unit_code": unit,
        "grade": change.after.value,
        "before": change.before.value,
        "kind": change.kind,
        "reason": change.reason,
    }
    uow.emit(contracts.GRADE_CHANGED.name, f"{year}/{change.staff_id}", data)


def calibrate(
    uow: UnitOfWork, hall: str | None, year: int, staff_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """The center changes a proposed grade with a reason; the quota is shown, not yet enforced
    (EQ-3.2.2c is checked on finalising)."""
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        cycle = cycle_row(uow, hall, year, lock=True)
        row = result_row(uow, hall, year, staff_id)
        change = rules.calibrate(
            CycleState(cycle.state),
            staff_id,
            Grade(row.grade) if row.grade else None,
            Grade(body["grade"]),
            body["reason"],
            uow.actor or "center",
        )
        record_change(uow, hall, year, change, row.unit_code)
        uow.commit()
        return cycle_view(uow, cycle_row(uow, hall, year))


def all_grades(uow: UnitOfWork, hall: str, year: int) -> dict[str, Grade]:
    rows = uow.session.execute(
        select(RESULTS.c.staff_id, RESULTS.c.grade).where(
            RESULTS.c.hall_code == hall, RESULTS.c.year == year
        )
    ).all()
    return {r.staff_id: Grade(r.grade) for r in rows}


def finalise(
    uow: UnitOfWork, hall: str | None, year: int, today: date | None = None
) -> dict[str, Any]:
    """Refused while more than the quota of the hall's cycle are excellent (EQ-3.2.2c); then
    every grade goes on the personal record with its consequence (EQ-3.2.2d)."""
    with uow:
        hall = inputs.resolve_hall(uow, hall)
        cycle = cycle_row(uow, hall, year, lock=True)
        if cycle.state != CycleState.SCORED:
            raise StateConflict(
                f"the {year} assessment is {cycle.state}: only a scored one finalises"
            )
        if refresh_assessed(uow, hall, year):  # rolled back with the refusal
            raise StateConflict(
                f"who served in {year}, or how long, changed since the cycle was scored; score "
                "it again so that everyone who served is assessed (EQ-3.2.2a)",
                rule="EQ-3.2.2a",
            )
        grades = all_grades(uow, hall, year)
        rules.check_finalise(list(grades.values()), has_exception(cycle))
        people = {
            row.staff_id: row
            for row in uow.session.execute(
                select(RESULTS.c.staff_id, RESULTS.c.unit_code, tables.staff.c.name)
                .join(tables.staff, tables.staff.c.id == RESULTS.c.staff_id)
                .where(RESULTS.c.hall_code == hall, RESULTS.c.year == year)
            )
        }
        records = [
            _record(hall, year, staff_id, people[staff_id].unit_code, g)
            for staff_id, g in grades.items()
        ]
        if records:
            uow.session.execute(insert(tables.personal_records), records)
        uow.session.execute(
            update(CYCLES)
            .where(CYCLES.c.hall_code == hall, CYCLES.c.year == year)
            .values(
                state=CycleState.FINALISED.value,
                finalised_on=today or clock.today(),
                finalised_by=uow.actor or "center",
            )
        )
        consequences = [
            _consequence(hall, year, staff_id, people[staff_id].name, people[staff_id].unit_code, g)
            for staff_id, g in sorted(grades.items())
            if g in NOTIFIED
        ]
        uow.emit_many(contracts.GRADE_RECORDED.name, consequences)
        _emit_cycle(uow, contracts.CYCLE_FINALISED, hall, year)
        uow.commit()
        return cycle_view(uow, cycle_row(uow, hall, year))


def _record(hall: str, year: int, staff_id: str, unit_code: str, grade: Grade) -> dict[str, Any]:
    follows = rules.consequence(grade)
    return {
        "staff_id": staff_id,
        "hall_code": hall,
        "year": year,
        "unit_code": unit_code,
        "grade": grade.value,
        "award_eligible": follows.award_eligible,
        "promotion_priority": follows.promotion_priority,
        "note": follows.note,
        "recorded_at": utcnow(),
    }


# The home unit hears of the grades that change something (EQ-3.2.2d): excellent and
# incompetent. The rest are on the record and in the finalised cycle's counts.
NOTIFIED = (Grade.EXCELLENT, Grade.INCOMPETENT)


def _consequence(
    hall: str, year: int, staff_id: str, name: str, unit: str, grade: Grade
) -> tuple[str, dict[str, Any]]:
    follows = rules.consequence(grade)
    data = {
        "hall_code": hall,
        "year": year,
        "staff_id": staff_id,
        "name": name,
        "unit_code": unit,
        "grade": grade.value,
        "reason": follows.note,
        "award_eligible": follows.award_eligible,
        "promotion_priority": follows.promotion_priority,
        "rule": "EQ-3.2.2d",
    }
    return f"{year}/{staff_id}", data


def emit_consequence(
    uow: UnitOfWork, hall: str, year: int, staff_id: str, unit: str, grade: Grade
) -> None:
    if grade in NOTIFIED:
        name = staff_handlers.load(uow, staff_id).name
        subject, data = _consequence(hall, year, staff_id, name, unit, grade)
        uow.emit(contracts.GRADE_RECORDED.name, subject, data)
