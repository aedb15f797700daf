"""staffing: staff, chief representatives, A/B cover, rotation, seals and the annual
assessment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from services.staffing import api
from services.staffing.adapters import consumers, gauges, tables
from services.staffing.handlers import absences, returns, rotation
from shared.service import ServiceSpec, Sweep
from shared.web import create_service_app

SPEC = ServiceSpec(
    name="staffing",
    title="govhall staffing",
    description="Staff, chief representatives, A/B cover, rotation, seals, annual assessment.",
    metadata=tables.metadata,
    blueprints=api.blueprints,
    subscriptions=consumers.SUBSCRIPTIONS,
    migrations=Path(__file__).parent / "migrations",
    package=__name__,
    gauges=gauges.GAUGES,
    # All idempotent (an alert per post and day, an escalation per return, a rotation carried
    # out once): hourly is cheap.
    sweeps=(
        Sweep("uncovered-posts", 3600, absences.cover_sweep),
        Sweep("replacement-deadlines", 3600, returns.replacement_sweep),
        Sweep("rotations-due", 3600, rotation.carry_out_due),
    ),
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return create_service_app(SPEC, config)
