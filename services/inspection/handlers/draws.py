"""Inspectors, sampling plans, spot checks and their verifiable draws (TJ-7.4).

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
    sampling_plans,
)
from services.inspection.adapters.tables.draws import spot_checks as spot_checks_table
from services.inspection.contracts import draws as contracts
from services.inspection.domain import draws as rules
from services.inspection.domain.draws import Draw, Kind
from shared import clock
from shared.db import UnitOfWork, insert_returning_id
from shared.errors import Conflict, Invalid, NotFound
from shared.service import Sweep

SWEEPS: tuple[Sweep, ...] = ()
PLANS = {Kind.SAMPLING: sampling_plans, Kind.SPOT_CHECK: spot_checks_table}
PLAN_NAMES = {Kind.SAMPLING: "sampling plan", Kind.SPOT_CHECK: "spot check"}


@dataclass(frozen=True)
class Viewer:
    """What the caller may see: spot checks, and every unit's cases or only one unit's; the
    public (no token, or a role that reads no draw) sees only what a draw's verification shows
    anyone."""

    spot_checks: bool
    unit: str | None = None
    public: bool = False


# ---- inspectors -----------------------------------------------------------------------------


def _known_units(uow: UnitOfWork, home_unit: str | None, conflicts: list[str]) -> None:
    named = {*conflicts, *([home_unit] if home_unit else [])}
    known = set(
        uow.session.scalars(select(learned.units.c.code).where(learned.units.c.code.in_(named)))
    )
    if home_unit and home_unit not in known:
        raise Invalid(
            f"no unit {home_unit} is known to inspection", rule=rules.RULE, field="home_unit"
        )
    unknown = sorted(set(conflicts) - known)
    if unknown:
        raise Invalid(
            f"no unit {', '.join(unknown)} is known to inspection",
            rule=rules.RULE,
            field="conflicts",
        )


def _inspector(uow: UnitOfWork, inspector_id: int) -> Any:
    row = uow.session.execute(select(inspectors).where(inspectors.c.id == inspector_id)).first()
    if row is None:
        raise NotFound(f"no inspector {inspector_id}")
    return row


def _emit_inspector(uow: UnitOfWork, event: Any, row: Any) -> dict[str, Any]:
    shown = dict(row._mapping)
    uow.emit(
        event.name,
        subject=str(row.id),
        data={
            "inspector_id": row.id,
            "name": row.name,
            "home_unit": row.home_unit,
            "conflicts": row.conflicts,
            "active": row.active,
            "at": row.updated_at,
        },
    )
    return shown


def register_inspector(uow: UnitOfWork, body: dict[str, Any]) -> dict[str, Any]:
    name, conflicts = body["name"].strip(), sorted(set(body["conflicts"]))
    if not name:
        raise Invalid("an inspector has a name", rule=rules.RULE, field="name")
    now = clock.now()
    with uow:
        _known_units(uow, body["home_unit"], conflicts)
        values = {
            "name": name,
            "home_unit": body["home_unit"],
            "conflicts": conflicts,
            "active": body["active"],
            "registered_at": now,
            "updated_at": now,
        }
        inspector_id = insert_returning_id(uow.session, inspectors, values)
        shown = _emit_inspector(uow, contracts.INSPECTOR_REGISTERED, _inspector(uow, inspector_id))
        uow.commit()
    return shown


def change_inspector(uow: UnitOfWork, inspector_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Declare conflicts, move home unit, (de)activate: later draws apply it; earlier draws
    keep the pool they recorded. Sending what is already recorded changes nothing."""
    wanted = {**body}
    if "name" in wanted:
        wanted["name"] = wanted["name"].strip()
        if not wanted["name"]:
            raise Invalid("an inspector has a name", rule=rules.RULE, field="name")
    if "conflicts" in wanted:
        wanted["conflicts"] = sorted(set(wanted["conflicts"]))
    with uow:
        row = _inspector(uow, inspector_id)
        changes = {key: value for key, value in wanted.items() if row._mapping[key] != value}
        if not changes:
            return dict(row._mapping)
        merged = {**row._mapping, **changes}
        _known_units(uow, merged["home_unit"], merged["conflicts"])
        changes["updated_at"] = clock.now()
        uow.session.execute(update(inspectors).where(inspectors.c.id == row.id).values(changes))
        shown = _emit_inspector(uow, contracts.INSPECTOR_CHANGED, _inspector(uow, row.id))
        uow.commit()
    return shown


def get_inspector(uow: UnitOfWork, inspector_id: int) -> dict[str, Any]:
    with uow:
        return dict(_inspector(uow, inspector_id)._mapping)


def list_inspectors(
    uow: UnitOfWork, active: bool | None, after: int | None, limit: int
) -> list[dict[str, Any]]:
    query = select(inspectors).order_by(inspectors.c.id).limit(limit)
    if active is not None:
        query = query.where(inspectors.c.active == active)
    if after is not None:
        query = query.where(inspectors.c.id > after)
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]


# ---- plans ----------------------------------------------------------------------------------


def create_sampling_plan(
    uow: UnitOfWork, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    values = rules.sampling_plan(body, today or clock.today())
    return _create(uow, Kind.SAMPLING, values, contracts.SAMPLING_PLAN_CREATED)


def create_spot_check(
    uow: UnitOfWork, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """The check, its seed's source and its population committed now, before the seed's value
    is published: its draw is made from this population or refused (TJ-7.4)."""
    values = rules.spot_check_plan(body, today or clock.today())
    return _create(uow, Kind.SPOT_CHECK, values, contracts.SPOT_CHECK_PLANNED)


def _create(uow: UnitOfWork, kind: Kind, values: dict[str, Any], event: Any) -> dict[str, Any]:
    values |= {"created_by": uow.actor or "unknown", "created_at": clock.now()}
    with uow:
        if kind is Kind.SPOT_CHECK:
            population, _ = _population(uow, kind, None)
            values |= {
                "population": population,
                "population_digest": rules.digest(population),
                "population_at": values["created_at"],
            }
        plan_id = insert_returning_id(uow.session, PLANS[kind], values)
        shown = _plan_view(uow, kind, _plan(uow, kind, plan_id))
        # The event carries what its contract names: a spot check's days (and the population's
        # windows) stay out of it; its population's digest is published.
        data = {name: shown[name] for name in event.schema._declared_fields if name in shown}
        data |= {"plan_id": plan_id, "at": values["created_at"]}
        uow.emit(event.name, subject=str(plan_id), data=data)
        uow.commit()
    return shown


def _plan(uow: UnitOfWork, kind: Kind, plan_id: int) -> Any:
    table = PLANS[kind]
    row = uow.session.execute(select(table).where(table.c.id == plan_id)).first()
    if row is None:
        raise NotFound(f"no {PLAN_NAMES[kind]} {plan_id}")
    return row


def _current(uow: UnitOfWork, kind: Kind, plan_id: int) -> Any:
    return uow.session.execute(
        select(draws).where(
            draws.c.kind == kind.value, draws.c.plan_id == plan_id, draws.c.superseded_by.is_(None)
        )
    ).first()


def _plan_view(uow: UnitOfWork, kind: Kind, row: Any) -> dict[str, Any]:
    current = _current(uow, kind, row.id)
    rate = rules.rate_text(row.rate) if row.rate is not None else None
    shown = {**row._mapping, "rate": rate, "current_draw_id": current.id if current else None}
    if kind is Kind.SPOT_CHECK:
        shown.pop("population", None)
        shown["population_covers"] = rules.SPOT_CHECK_POPULATION
    return shown


def _commitment(kind: Kind, plan: Any) -> dict[str, Any] | None:
    """The population a spot check committed when planned; None for sampling (its population
    is the cases completed in a period closed before the draw day) and for checks planned
    before populations were committed."""
    if kind is not Kind.SPOT_CHECK or plan.population_digest is None:
        return None
    return {
        "digest": plan.population_digest,
        "covers": rules.SPOT_CHECK_POPULATION,
        "at": plan.population_at,
    }


def get_plan(uow: UnitOfWork, kind: Kind, plan_id: int) -> dict[str, Any]:
    with uow:
        return _plan_view(uow, kind, _plan(uow, kind, plan_id))


def list_plans(uow: UnitOfWork, kind: Kind, before: int | None, limit: int) -> list[dict[str, Any]]:
    table = PLANS[kind]
    query = select(table).order_by(table.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(table.c.id < before)
    with uow:
        return [_plan_view(uow, kind, row) for row in uow.session.execute(query).all()]


# ---- draws ----------------------------------------------------------------------------------


def _population(uow: UnitOfWork, kind: Kind, plan: Any) -> tuple[dict[str, Any], dict[int, str]]:
    """The population as of now, and each sampled case's unit (whose case it is)."""
    if kind is Kind.SAMPLING:
        assert plan is not None
        cases = learned.cases.c
        rows = uow.session.execute(
            select(cases.case_id, cases.window_id, cases.unit_code).where(
                cases.completed_on >= plan.period_from, cases.completed_on <= plan.period_to
            )
        ).all()
        units = {row.case_id: row.unit_code for row in rows}
        return rules.sampling_population((row.window_id, row.case_id) for row in rows), units
    windows = learned.windows.c
    open_windows = uow.session.execute(
        select(windows.id, windows.unit_code, windows.co_units).where(
            windows.state.in_(rules.ELIGIBLE_WINDOW_STATES)
        )
    ).all()
    pool = uow.session.execute(select(inspectors).where(inspectors.c.active.is_(True))).all()
    return rules.spot_check_population(
        ((w.id, [w.unit_code, *w.co_units]) for w in open_windows),
        (rules.Inspector(i.id, i.home_unit, frozenset(i.conflicts)) for i in pool),
    ), {}


def draw(
    uow: UnitOfWork, kind: Kind, plan_id: int, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """Draw the plan's cases, or windows and inspectors, from the population as it is now.
    A second draw needs a reason; the first is kept, superseded, never overwritten."""
    today = today or clock.today()
    reason = body["reason"].strip()
    with uow:
        plan = _plan(uow, kind, plan_id)
        current = _current(uow, kind, plan_id)
        rules.check_redraw(current.id if current else None, reason)
        last_day = date.fromisoformat(plan.days[-1]) if kind is Kind.SPOT_CHECK else None
        rules.check_draw_day(plan.draw_on, today, last_day)
        population, case_units = _population(uow, kind, plan)
        if kind is Kind.SPOT_CHECK:
            rules.check_committed(plan.population, population)
        record = Draw(
            kind,
            plan_id,
            plan.seed_source,
            rules.seed_value_of(body["seed_value"]),
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
    plan = _plan(uow, Kind(row.kind), row.plan_id)
    shown = {**_summary(row), "title": plan.title, "checklist": plan.checklist}
    shown["population_commitment"] = _commitment(Kind(row.kind), plan)
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
        plan = _plan(uow, kind, row.plan_id)
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
        now, _ = _population(uow, kind, plan)
        mine = _own_cases(uow, row.id, viewer.unit)
        commitment = _commitment(kind, plan)
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
