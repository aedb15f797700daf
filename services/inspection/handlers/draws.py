"""The verifiable draws of sampling plans and spot checks (TJ-7.4); the inspectors and the plans
they draw from are in inspectors.py and draw_plans.py.

Who sees what: spot checks are unannounced, so only the authority and the inspectors see them
and their draws (for anyone else a spot-check draw does not exist: 404). The center sees sampling
plans and draws; a unit sees a sampling draw once it has drawn one of the unit's cases, and then
only its own cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import exists, select, update

from services.inspection.adapters.tables import learned
from services.inspection.adapters.tables.draws import (
    draws,
    inspectors,
    sampled_cases,
)
from services.inspection.contracts import draws as contracts
from services.inspection.domain import draw_plans as plan_rules
from services.inspection.domain import draws as rules
from services.inspection.domain import spot_check_population as population_rules
from services.inspection.domain.draws import Draw, Kind
from services.inspection.handlers.draw_plans import (
    commitment_of,
    current_plan,
    plan_row,
    population_of,
)
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound
from shared.service import Sweep
from shared.unit_of_work import UnitOfWork

SWEEPS: tuple[Sweep, ...] = ()


@dataclass(frozen=True)
class Viewer:
    """What the caller may see: spot checks, and every unit's cases or only one unit's; the
    public (no token, or a role that reads no draw) sees only what a draw's verification shows
    anyone."""

    spot_checks: bool
    unit: str | None = None
    public: bool = False


def draw(
    uow: UnitOfWork, kind: Kind, plan_id: int, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """Draw the plan's cases, or windows and inspectors, from the population as it is now.
    A second draw needs a reason; the first is kept, superseded, never overwritten."""
    today = today or clock.today()
    reason = body["reason"].strip()
    with uow:
        plan = plan_row(uow, kind, plan_id)
        current = current_plan(uow, kind, plan_id)
        plan_rules.check_redraw(current.id if current else None, reason)
        last_day = date.fromisoformat(plan.days[-1]) if kind is Kind.SPOT_CHECK else None
        plan_rules.check_draw_day(plan.draw_on, today, last_day)
        population, case_units = population_of(uow, kind, plan)
        if kind is Kind.SPOT_CHECK:
            population_rules.check_committed(plan.population, population)
        record = Draw(
            kind,
            plan_id,
            plan.seed_source,
            plan_rules.seed_value_of(body["seed_value"]),
            rules.parameters(kind, plan._mapping),
            population,
        )
        rules.check_population(record)
        made = rules.make(record)
        values = {
            "kind": kind.value,
            "plan_id": plan_id,
            "round": current.round + 1 if current else 1,
            "seed_source": record.seed_source,
            "seed_value": record.seed_value,
            "seed": made.seed,
            "parameters": record.parameters,
            "population": population,
            "population_digest": made.population_digest,
            "population_size": made.population_size,
            "selection": made.selection,
            "selection_size": made.selection_size,
            "draw_digest": made.draw_digest,
            "reason": reason,
            "drawn_by": uow.actor or "unknown",
            "drawn_at": clock.now(),
        }
        draw_id = insert_returning_id(uow.session, draws, values)
        if current is not None:
            _supersede(uow, current.id, draw_id)
        units = _record_cases(uow, draw_id, made.selection, case_units)
        _emit_draw(uow, draw_id, values, units, current.id if current else None)
        shown = _draw_view(uow, _draw_row(uow, draw_id), Viewer(spot_checks=True))
        uow.commit()
    return shown


def _supersede(uow: UnitOfWork, old_id: int, new_id: int) -> None:
    done = uow.session.execute(
        update(draws)
        .where(draws.c.id == old_id, draws.c.superseded_by.is_(None))
        .values(superseded_by=new_id)
    )
    if getattr(done, "rowcount", 1) != 1:
        raise Conflict(
            "the plan was drawn again meanwhile: reload it", rule=rules.RULE, field="reason"
        )


def _record_cases(
    uow: UnitOfWork, draw_id: int, selection: list[Any], case_units: dict[int, str]
) -> list[str]:
    rows = [
        {
            "draw_id": draw_id,
            "case_id": case_id,
            "window_id": w["window_id"],
            "unit_code": case_units[case_id],
        }
        for w in selection
        if "case_ids" in w
        for case_id in w["case_ids"]
    ]
    if rows:
        uow.session.execute(sampled_cases.insert(), rows)
    return sorted({row["unit_code"] for row in rows})


def _emit_draw(
    uow: UnitOfWork, draw_id: int, values: dict[str, Any], units: list[str], supersedes: int | None
) -> None:
    keys = [*("kind", "plan_id", "round", "seed_source", "seed_value", "seed")]
    keys += ["population_digest", "population_size", "selection_size", "draw_digest"]
    keys += ["reason", "drawn_at"]
    data = {key: values[key] for key in keys}
    data |= {"draw_id": draw_id, "sampled_units": units, "supersedes": supersedes}
    uow.emit(contracts.DRAW_MADE.name, subject=str(draw_id), data=data)


def _draw_row(uow: UnitOfWork, draw_id: int, viewer: Viewer | None = None) -> Any:
    row = uow.session.execute(select(draws).where(draws.c.id == draw_id)).first()
    if row is None or (viewer is not None and not _may_see(uow, row, viewer)):
        raise NotFound(f"no draw {draw_id}")
    return row


def _may_see(uow: UnitOfWork, row: Any, viewer: Viewer) -> bool:
    if row.kind == Kind.SPOT_CHECK.value:
        return viewer.spot_checks
    if viewer.unit is None:
        return True
    return bool(uow.session.scalar(select(_has_cases_of(viewer.unit, row.id))))


def _has_cases_of(unit: str, draw_id: Any) -> Any:
    return exists().where(sampled_cases.c.draw_id == draw_id, sampled_cases.c.unit_code == unit)


def _summary(row: Any) -> dict[str, Any]:
    hidden = ("population", "selection")
    return {key: value for key, value in row._mapping.items() if key not in hidden}


def _draw_view(uow: UnitOfWork, row: Any, viewer: Viewer) -> dict[str, Any]:
    plan = plan_row(uow, Kind(row.kind), row.plan_id)
    shown = {**_summary(row), "title": plan.title, "checklist": plan.checklist}
    shown["population_commitment"] = commitment_of(Kind(row.kind), plan)
    if row.kind == Kind.SAMPLING.value:
        shown["cases"] = _cases_drawn(uow, row.id, viewer.unit)
    else:
        shown["windows"] = _windows_drawn(uow, row.selection)
    if viewer.unit is None:  # the record to re-run it with; a unit's view names others' cases
        shown |= {"population": row.population, "selection": row.selection}
    return shown


def _cases_drawn(uow: UnitOfWork, draw_id: int, unit: str | None) -> list[dict[str, Any]]:
    cases = learned.cases.c
    query = (
        select(
            sampled_cases.c.case_id,
            sampled_cases.c.window_id,
            sampled_cases.c.unit_code,
            cases.receipt_number,
            cases.matter_code,
            cases.completed_on,
        )
        .join(learned.cases, cases.case_id == sampled_cases.c.case_id)
        .where(sampled_cases.c.draw_id == draw_id)
        .order_by(sampled_cases.c.window_id, sampled_cases.c.case_id)
    )
    if unit is not None:
        query = query.where(sampled_cases.c.unit_code == unit)
    return [dict(row._mapping) for row in uow.session.execute(query)]


def _windows_drawn(uow: UnitOfWork, selection: list[Any]) -> list[dict[str, Any]]:
    window_ids = [w["window_id"] for w in selection]
    inspector_ids = {i for w in selection for i in w["inspector_ids"]}
    known = {
        w.id: w
        for w in uow.session.execute(
            select(learned.windows).where(learned.windows.c.id.in_(window_ids))
        )
    }
    query = select(inspectors.c.id, inspectors.c.name).where(inspectors.c.id.in_(inspector_ids))
    names = {row.id: row.name for row in uow.session.execute(query)}
    return [
        {
            "window_id": w["window_id"],
            "unit_code": known[w["window_id"]].unit_code,
            "co_units": known[w["window_id"]].co_units,
            "name_zh": known[w["window_id"]].name_zh,
            "name_en": known[w["window_id"]].name_en,
            "inspectors": [{"inspector_id": i, "name": names[i]} for i in w["inspector_ids"]],
        }
        for w in selection
    ]


def get_draw(uow: UnitOfWork, draw_id: int, viewer: Viewer) -> dict[str, Any]:
    with uow:
        return _draw_view(uow, _draw_row(uow, draw_id, viewer), viewer)


def list_draws(
    uow: UnitOfWork, viewer: Viewer, filters: dict[str, Any], before: int | None, limit: int
) -> list[dict[str, Any]]:
    query = select(draws).order_by(draws.c.id.desc()).limit(limit)
    if not viewer.spot_checks:
        query = query.where(draws.c.kind == Kind.SAMPLING.value)
    if viewer.unit is not None:
        query = query.where(_has_cases_of(viewer.unit, draws.c.id))
    if filters.get("kind"):
        query = query.where(draws.c.kind == filters["kind"])
    if filters.get("plan_id") is not None:
        query = query.where(draws.c.plan_id == filters["plan_id"])
    if before is not None:
        query = query.where(draws.c.id < before)
    with uow:
        return [_summary(row) for row in uow.session.execute(query)]


def verify(uow: UnitOfWork, draw_id: int, viewer: Viewer) -> dict[str, Any]:
    """Re-run the draw from its record alone, and say whether today's data would give the
    same population (a case completed late, an inspector registered since) and whether it is
    the population a spot check committed before its seed.

    Anyone may verify, and sees as much as the draw's content may be shown to them:
    - a spot check is unannounced: until its last day has passed only the authority and the
      inspectors know it exists (404 for anyone else); after that its whole record is public;
    - a sampling draw's verdict, seed and digests are public; the cases it drew are shown as
      its draw is (a unit its own, the public none), and its whole record to the hall's
      overseers."""
    today = clock.today()
    with uow:
        row = _draw_row(uow, draw_id)
        kind = Kind(row.kind)
        plan = plan_row(uow, kind, row.plan_id)
        over = kind is Kind.SPOT_CHECK and rules.is_over(plan.days, today)
        if kind is Kind.SPOT_CHECK and not (viewer.spot_checks or over):
            raise NotFound(f"no draw {draw_id}")
        whole = kind is Kind.SPOT_CHECK or (viewer.unit is None and not viewer.public)
        record = Draw(
            kind, row.plan_id, row.seed_source, row.seed_value, row.parameters, row.population
        )
        result = rules.verify(
            record, row.seed, row.population_digest, row.selection, row.draw_digest
        )
        now, _ = population_of(uow, kind, plan)
        mine = _own_cases(uow, row.id, viewer.unit)
        commitment = commitment_of(kind, plan)
    selection = result.selection
    if not whole:  # a unit sees its own cases drawn, the public none
        selection = None if mine is None or selection is None else rules.only_cases(selection, mine)
    if commitment is not None:
        commitment["matches"] = commitment["digest"] == row.population_digest
    return {
        "draw_id": row.id,
        "kind": row.kind,
        "plan_id": row.plan_id,
        "verified": result.verified,
        "checks": {
            "seed": result.seed_matches,
            "population": result.population_matches,
            "selection": result.selection_matches,
            "draw_digest": result.digest_matches,
        },
        "problem": result.problem,
        "seed_source": row.seed_source,
        "seed_value": row.seed_value,
        "seed": record.seed,
        "population_digest": row.population_digest,
        "draw_digest": row.draw_digest,
        "selection": selection,
        "population_digest_now": rules.digest(now),
        "population_matches_now": rules.digest(now) == row.population_digest,
        "population_commitment": commitment,
        "record": _record(row) if whole else None,
    }


def _record(row: Any) -> dict[str, Any]:
    """What re-runs the draw with the few lines of Python in domain/draws.py."""
    keys = ("kind", "plan_id", "seed_source", "seed_value", "parameters", "population")
    return {**{key: row._mapping[key] for key in keys}, "selection": row.selection}


def _own_cases(uow: UnitOfWork, draw_id: int, unit: str | None) -> set[int] | None:
    if unit is None:
        return None
    query = select(sampled_cases.c.case_id).where(
        sampled_cases.c.draw_id == draw_id, sampled_cases.c.unit_code == unit
    )
    return set(uow.session.scalars(query))
