"""registry: departments, windows and their setup procedure, agreements, matters, cases, and the
public directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from services.registry import api
from services.registry.adapters import consumers, gauges, tables
from services.registry.handlers import agreements, supervision, windows
from services.registry.pages import directory as pages
from shared import clock
from shared.service import ServiceRuntime, ServiceSpec, Sweep
from shared.web import create_service_app


def _agreements_sweep(rt: ServiceRuntime) -> int:
    return agreements.sweep(rt.uow(actor="system:sweep"), clock.today())


def _supervision_sweep(rt: ServiceRuntime) -> int:
    return supervision.sweep(
        rt.uow(actor="system:sweep"), rt.calendar, clock.today(), rt.settings.case_yellow_days
    )


def _seasonal_sweep(rt: ServiceRuntime) -> int:
    return windows.seasonal_sweep(rt.uow(actor="system:sweep"), clock.today())


SPEC = ServiceSpec(
    name="registry",
    title="govhall registry",
    description="Units, windows and their setup, agreements, matters, cases, public directory.",
    metadata=tables.metadata,
    blueprints=api.blueprints,
    subscriptions=consumers.SUBSCRIPTIONS,
    migrations=Path(__file__).parent / "migrations",
    package=__name__,
    gauges=gauges.GAUGES,
    calendar_horizon=gauges.latest_due_date,
    pages=pages.blueprints,
    # Both are idempotent, so hourly runs cost nothing and a missed day is caught up.
    sweeps=(
        Sweep("agreements", 3600, _agreements_sweep),
        Sweep("seasonal-windows", 3600, _seasonal_sweep),
        Sweep("case-supervision", 300, _supervision_sweep),
    ),
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return create_service_app(SPEC, config)
