"""staffing: staff, chief representatives, A/B cover, rotation, seals and the annual
assessment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from services.staffing import api, consumers, orm
from shared.service import ServiceSpec
from shared.web import create_service_app

SPEC = ServiceSpec(
    name="staffing",
    title="govhall staffing",
    description="Staff, chief representatives, A/B cover, rotation, seals, annual assessment.",
    metadata=orm.metadata,
    blueprints=api.blueprints,
    subscriptions=consumers.SUBSCRIPTIONS,
    migrations=Path(__file__).parent / "migrations",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return create_service_app(SPEC, config)
