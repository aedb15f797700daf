"""Sampling plans and spot checks (TJ-7.4): each commits to its seed source, and a spot check
to the population it will draw from, before anything is drawn."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from services.inspection.adapters.tables import learned
from services.inspection.adapters.tables.draws import (
    draws,
    inspectors,
    sampling_plans,
)
from services.inspection.adapters.tables.draws import spot_checks as spot_checks_table
from services.inspection.contracts import draws as contracts
from services.inspection.domain import draw_plans as plan_rules
from services.inspection.domain import draws as rules
from services.inspection.domain import spot_check_population as population_rules
from services.inspection.domain.draws import Kind
from shared import clock
from shared.db import insert_returning_id
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork

PLANS = {Kind.SAMPLING: sampling_plans, Kind.SPOT_CHECK: spot_checks_table}


PLAN_NAMES = {Kind.SAMPLING: "sampling plan", Kind.SPOT_CHECK: "spot check"}


def create_sampling_plan(
    uow: UnitOfWork, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    values = plan_rules.sampling_plan(body, today or clock.today())
    return _create(uow, Kind.SAMPLING, values, contracts.SAMPLING_PLAN_CREATED)


def create_spot_check(
    uow: UnitOfWork, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """The check, its seed's source and its population committed now, before the seed's value
    is published: its draw is made from this population or refused (TJ-7.4)."""
    values = plan_rules.spot_check_plan(body, today or clock.today())
    return _create(uow, Kind.SPOT_CHECK, values, contracts.SPOT_CHECK_PLANNED)


def _create(uow: UnitOfWork, kind: Kind, values: dict[str, Any], event: Any) -> dict[str, Any]:
    values |= {"created_by": uow.actor or "unknown", "created_at": clock.now()}
    with uow:
        if kind is Kind.SPOT_CHECK:
            population, _ = population_of(uow, kind, None)
            values |= {
                "population": population,
                "population_digest": rules.digest(population),
                "population_at": values["created_at"],
            }
        plan_id = insert_returning_id(uow.session, PLANS[kind], values)
        shown = _plan_view(uow, kind, plan_row(uow, kind, plan_id))
        # The event carries what its contract names: a spot check's days (and the population's
        # windows) stay out of it; its population's digest is published.
        data = {name: shown[name] for name in event.schema._declared_fields if name in shown}
        data |= {"plan_id": plan_id, "at": values["created_at"]}
        uow.emit(event.name, subject=str(plan_id), data=data)
        uow.commit()
    return shown


def plan_row(uow: UnitOfWork, kind: Kind, plan_id: int) -> Any:
    table = PLANS[kind]
    row = uow.session.execute(select(table).where(table.c.id == plan_id)).first()
    if row is None:
        raise NotFound(f"no {PLAN_NAMES[kind]} {plan_id}")
    return row


def current_plan(uow: UnitOfWork, kind: Kind, plan_id: int) -> Any:
    return uow.session.execute(
        select(draws).where(
            draws.c.kind == kind.value, draws.c.plan_id == plan_id, draws.c.superseded_by.is_(None)
        )
    ).first()


def _plan_view(uow: UnitOfWork, kind: Kind, row: Any) -> dict[str, Any]:
    current = current_plan(uow, kind, row.id)
    rate = rules.rate_text(row.rate) if row.rate is not None else None
    shown = {**row._mapping, "rate": rate, "current_draw_id": current.id if current else None}
    if kind is Kind.SPOT_CHECK:
        shown.pop("population", None)
        shown["population_covers"] = population_rules.SPOT_CHECK_POPULATION
    return shown


def commitment_of(kind: Kind, plan: Any) -> dict[str, Any] | None:
    """The population a spot check committed when planned; None for sampling (its population
    is the cases completed in a period closed before the draw day) and for checks planned
    before populations were committed."""
    if kind is not Kind.SPOT_CHECK or plan.population_digest is None:
        return None
    return {
        "digest": plan.population_digest,
        "covers": population_rules.SPOT_CHECK_POPULATION,
        "at": plan.population_at,
    }


def get_plan(uow: UnitOfWork, kind: Kind, plan_id: int) -> dict[str, Any]:
    with uow:
        return _plan_view(uow, kind, plan_row(uow, kind, plan_id))


def list_plans(uow: UnitOfWork, kind: Kind, before: int | None, limit: int) -> list[dict[str, Any]]:
    table = PLANS[kind]
    query = select(table).order_by(table.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(table.c.id < before)
    with uow:
        return [_plan_view(uow, kind, row) for row in uow.session.execute(query).all()]


def population_of(uow: UnitOfWork, kind: Kind, plan: Any) -> tuple[dict[str, Any], dict[int, str]]:
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
    return population_rules.spot_check_population(
        ((w.id, [w.unit_code, *w.co_units]) for w in open_windows),
        (rules.Inspector(i.id, i.home_unit, frozenset(i.conflicts)) for i in pool),
    ), {}
