"""inspection: sampling, random spot checks, findings, guidance visits, evaluations,
complaints and sanctions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from services.inspection import api
from services.inspection.adapters import consumers, gauges, tables
from services.inspection.handlers import (
    complaints,
    draws,
    evaluations,
    finding_rectification,
    proposals,
    sanction_orders,
)
from shared.service import ServiceSpec
from shared.web import create_service_app

SPEC = ServiceSpec(
    name="inspection",
    title="govhall inspection",
    description="Sampling, spot checks, surveys, complaints and sanctions.",
    metadata=tables.metadata,
    blueprints=api.blueprints,
    subscriptions=consumers.SUBSCRIPTIONS,
    migrations=Path(__file__).parent / "migrations",
    package=__name__,
    gauges=gauges.GAUGES,
    sweeps=(
        *draws.SWEEPS,
        *finding_rectification.SWEEPS,
        *evaluations.SWEEPS,
        *complaints.SWEEPS,
        *sanction_orders.SWEEPS,
        *proposals.SWEEPS,
    ),
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return create_service_app(SPEC, config)
