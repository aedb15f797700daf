"""The year's facts for the assessment (EQ-3.2.2a), each traceable to where it came from.

Case steps come from registry's events (`case_work`), evaluations, upheld complaints, findings and
sanctions from inspection's (`assessment_inputs`), training and attendance from this service's
own records. Scoring the hall reads case steps and evaluations as sums; explaining one person
reads every line. Both give the same points (the scheme's components depend on the sums only).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from services.staffing.adapters import tables
from services.staffing.domain import assessment as rules
from services.staffing.domain.assessment import InputKind
from services.staffing.domain.assessment_scores import Input, Tally
from shared.errors import Invalid
from shared.unit_of_work import UnitOfWork

FACTS = tables.assessment_inputs
PENALISED_ATTENDANCE = (InputKind.ABSENT_UNAPPROVED.value, InputKind.LATE.value)
# Findings and complaints that name someone count against them; the rest against the window.
LISTED_STAFF_KINDS = (
    InputKind.COMPLAINT_UPHELD.value,
    InputKind.FINDING.value,
    InputKind.ACCOUNTABILITY.value,
)
STAFF_FACT_KINDS = (InputKind.EVALUATION.value, *LISTED_STAFF_KINDS)


def _year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def _offices(uow: UnitOfWork, year: int) -> list[tuple[str, str, date, date | None]]:
    """Chief representatives and deputies serve in the hall full time without a window post
    (EQ-3.1b): they are assessed too. A deputy is taken to serve the chief's whole term."""
    first, after = _year(year)
    c = tables.chief_representatives
    rows = uow.session.execute(
        select(c).where(c.c.starts_on < after, or_(c.c.ends_on.is_(None), c.c.ends_on > first))
    ).all()
    found = [(r.staff_id, r.unit_code, r.starts_on, r.ends_on) for r in rows]
    found += [
        (r.deputy_staff_id, r.unit_code, r.starts_on, r.ends_on) for r in rows if r.deputy_staff_id
    ]
    return found


def assessed(
    uow: UnitOfWork, hall: str, year: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Who served in `hall` in `year` (at a window, or as chief representative or deputy), for
    how long, and at which windows: result rows and stint rows for the hall's cycle. A person
    belongs to the hall of the window they served longest that year, a chief or deputy to the
    hall of their unit's windows (`rules.unit_halls`)."""
    first, after = _year(year)
    a, s = tables.assignments, tables.staff
    rows = uow.session.execute(
        select(a.c.staff_id, a.c.window_id, a.c.starts_on, a.c.ends_on, s.c.unit_code)
        .join(s, s.c.id == a.c.staff_id)
        .where(a.c.starts_on < after, or_(a.c.ends_on.is_(None), a.c.ends_on > first))
    ).all()
    periods: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
    by_window: dict[tuple[str, int], list[tuple[date, date | None]]] = defaultdict(list)
    units: dict[str, str] = {}
    for row in rows:
        periods[row.staff_id].append((row.starts_on, row.ends_on))
        by_window[(row.staff_id, row.window_id)].append((row.starts_on, row.ends_on))
        units[row.staff_id] = row.unit_code
    for staff_id, unit_code, starts_on, ends_on in _offices(uow, year):
        periods[staff_id].append((starts_on, ends_on))
        units[staff_id] = unit_code
    year_days = (after - first).days
    stints: list[dict[str, Any]] = []
    # The window served longest; of two served as long, the lower id, so the choice is stable.
    longest: dict[str, tuple[int, int]] = {}
    for (staff_id, window_id), spans in by_window.items():
        days = int(rules.served_share(year, spans) * year_days)
        if not days:
            continue
        stints.append(
            {
                "hall_code": hall,
                "year": year,
                "staff_id": staff_id,
                "window_id": window_id,
                "served_days": days,
            }
        )
        if staff_id not in longest or (days, -window_id) > longest[staff_id]:
            longest[staff_id] = (days, -window_id)
    halls = window_halls(uow)
    offices = rules.unit_halls(window_units(uow), halls)
    results = []
    for staff_id in sorted(periods):
        days = int(rules.served_share(year, periods[staff_id]) * year_days)
        home = (
            halls.get(-longest[staff_id][1])
            if staff_id in longest
            else offices.get(units[staff_id])
        )
        if not days or home != hall:
            continue
        results.append(
            {
                "hall_code": hall,
                "year": year,
                "staff_id": staff_id,
                "unit_code": units[staff_id],
                "window_id": -longest[staff_id][1] if staff_id in longest else None,
                "served_days": days,
                "year_days": year_days,
            }
        )
    members = {row["staff_id"] for row in results}
    return results, [stint for stint in stints if stint["staff_id"] in members]


def _listed_staff_facts(
    uow: UnitOfWork, year: int, staff_id: str | None, *, evaluations: bool = True
) -> list[Any]:
    first, after = _year(year)
    kinds = STAFF_FACT_KINDS if evaluations else LISTED_STAFF_KINDS
    query = select(FACTS).where(
        FACTS.c.on >= first,
        FACTS.c.on < after,
        FACTS.c.staff_id.is_not(None),
        FACTS.c.voided_by.is_(None),
        FACTS.c.kind.in_(kinds),
    )
    if staff_id is not None:
        query = query.where(FACTS.c.staff_id == staff_id)
    return list(uow.session.execute(query))


def _fact_input(row: Any) -> Input:
    return Input(
        f"event:{row.event_id}", InputKind(row.kind), row.on, Decimal(row.value), row.detail
    )


def _own_records(uow: UnitOfWork, year: int, staff_id: str | None) -> list[tuple[str, Input]]:
    """Training (TJ-7.1) and attendance marked absent without approval or late (TJ-7.3)."""
    first, after = _year(year)
    t, at = tables.trainings, tables.attendance
    trainings = select(t).where(t.c.held_on >= first, t.c.held_on < after)
    days = select(at).where(
        at.c.day >= first, at.c.day < after, at.c.status.in_(PENALISED_ATTENDANCE)
    )
    if staff_id is not None:
        trainings = trainings.where(t.c.staff_id == staff_id)
        days = days.where(at.c.staff_id == staff_id)
    found = [
        (
            r.staff_id,
            Input(f"training:{r.id}", InputKind.TRAINING, r.held_on, Decimal(r.hours), r.course),
        )
        for r in uow.session.execute(trainings)
    ]
    found += [
        (
            r.staff_id,
            Input(f"attendance:{r.staff_id}:{r.day}", InputKind(r.status), r.day, Decimal(1)),
        )
        for r in uow.session.execute(days)
    ]
    return found


def staff_facts(uow: UnitOfWork, year: int) -> dict[str, tuple[Tally, list[Input]]]:
    """Every assessed staff member's facts: case steps and evaluations as sums, the rest listed."""
    first, after = _year(year)
    cw = tables.case_work
    steps = uow.session.execute(
        select(
            cw.c.staff_id,
            func.count(),
            func.sum(case((cw.c.overdue.is_(False), 1), else_=0)),
        )
        .where(cw.c.on >= first, cw.c.on < after)
        .group_by(cw.c.staff_id)
    ).all()
    tallies: dict[str, Tally] = defaultdict(Tally)
    for staff_id, count, on_time in steps:
        tallies[staff_id] = Tally(steps=count, on_time=int(on_time or 0))
    for staff_id, n, total, low, high in _evaluation_sums(uow, year):
        if low < 1 or high > 5:  # the contract says 1..5; a sum would hide a stray value
            raise Invalid(f"{staff_id} has an evaluation outside 1..5", field="inputs")
        tally = tallies[staff_id]
        tallies[staff_id] = replace(tally, evaluations=n, evaluation_sum=Decimal(total))
    listed: dict[str, list[Input]] = defaultdict(list)
    for row in _listed_staff_facts(uow, year, None, evaluations=False):
        listed[row.staff_id].append(_fact_input(row))
    for staff_id, fact in _own_records(uow, year, None):
        listed[staff_id].append(fact)
    return {sid: (tallies[sid], listed[sid]) for sid in set(tallies) | set(listed)}


def _evaluation_sums(uow: UnitOfWork, year: int) -> list[Any]:
    first, after = _year(year)
    return list(
        uow.session.execute(
            select(
                FACTS.c.staff_id,
                func.count(),
                func.sum(FACTS.c.value),
                func.min(FACTS.c.value),
                func.max(FACTS.c.value),
            )
            .where(
                FACTS.c.on >= first,
                FACTS.c.on < after,
                FACTS.c.staff_id.is_not(None),
                FACTS.c.voided_by.is_(None),
                FACTS.c.kind == InputKind.EVALUATION.value,
            )
            .group_by(FACTS.c.staff_id)
        )
    )


def staff_inputs(uow: UnitOfWork, year: int, staff_id: str) -> list[Input]:
    """One staff member's facts, every case step and evaluation a line of its own."""
    first, after = _year(year)
    cw = tables.case_work
    steps = uow.session.execute(
        select(cw)
        .where(cw.c.staff_id == staff_id, cw.c.on >= first, cw.c.on < after)
        .order_by(cw.c.on, cw.c.event_id)
    )
    found = [
        Input(
            f"event:{r.event_id}",
            InputKind.CASE_STEP,
            r.on,
            Decimal(0 if r.overdue else 1),
            f"case {r.case_id} {r.stage}",
        )
        for r in steps
    ]
    found += [_fact_input(r) for r in _listed_staff_facts(uow, year, staff_id)]
    found += [fact for _, fact in _own_records(uow, year, staff_id)]
    return found


def window_facts(
    uow: UnitOfWork, year: int, window_id: int | None = None
) -> dict[int, list[Input]]:
    """What counts against a window itself: its sanctions, and the findings, upheld complaints and
    evaluations that name no staff member."""
    first, after = _year(year)
    query = select(FACTS).where(
        FACTS.c.on >= first,
        FACTS.c.on < after,
        FACTS.c.window_id.is_not(None),
        FACTS.c.voided_by.is_(None),
        or_(
            FACTS.c.kind == InputKind.SANCTION.value,
            and_(FACTS.c.staff_id.is_(None), FACTS.c.kind.in_(STAFF_FACT_KINDS)),
        ),
    )
    if window_id is not None:
        query = query.where(FACTS.c.window_id == window_id)
    found: dict[int, list[Input]] = defaultdict(list)
    for row in uow.session.execute(query):
        found[row.window_id].append(_fact_input(row))
    return found


def window_units(uow: UnitOfWork) -> dict[int, str]:
    return dict(uow.session.execute(select(tables.windows.c.id, tables.windows.c.unit_code)).all())


def window_halls(uow: UnitOfWork) -> dict[int, str | None]:
    """Each window's hall, as registry's window events gave it (None before they did)."""
    return dict(uow.session.execute(select(tables.windows.c.id, tables.windows.c.hall_code)).all())


def known_halls(uow: UnitOfWork) -> list[str]:
    w = tables.windows
    query = select(w.c.hall_code).where(w.c.hall_code.is_not(None)).distinct()
    return sorted(uow.session.execute(query).scalars())


def resolve_hall(uow: UnitOfWork, hall: str | None) -> str:
    """The hall whose cycle a request means (EQ-3.2.2a, one cycle per hall and year): the one
    named, which staffing must know from registry's window events, or, unnamed, the only hall
    staffing knows. Two or more known and none named is ambiguous: 422 naming `hall`."""
    known = known_halls(uow)
    if hall is not None:
        if hall not in known:
            raise Invalid(
                f"staffing knows no hall {hall!r}; it knows {', '.join(known) or 'none yet'}",
                field="hall",
            )
        return hall
    if len(known) == 1:
        return known[0]
    if not known:
        raise Invalid(
            "staffing knows no hall yet: it learns each from registry's window events",
            field="hall",
        )
    raise Invalid(
        f"each hall has its own assessment: name one with ?hall= ({', '.join(known)})",
        field="hall",
    )


def published_windows(uow: UnitOfWork, year: int) -> list[int]:
    """The windows published on some day of `year`: each is assessed (EQ-3.2.2a)."""
    w = tables.windows
    rows = uow.session.execute(select(w.c.id, w.c.state, w.c.published_on, w.c.ended_on))
    return [
        row.id
        for row in rows
        if rules.published_during(year, row.state, row.published_on, row.ended_on)
    ]


def served(row: Any) -> Fraction:
    return Fraction(row.served_days, row.year_days)
