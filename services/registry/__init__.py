"""registry: departments, windows and their setup procedure, agreements, matters, cases, and the
public directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from services.registry import api, consumers, orm
from shared.service import ServiceSpec
from shared.web import create_service_app

SPEC = ServiceSpec(
    name="registry",
    title="govhall registry",
    description="Units, windows and their setup, agreements, matters, cases, public directory.",
    metadata=orm.metadata,
    blueprints=api.blueprints,
    subscriptions=consumers.SUBSCRIPTIONS,
    migrations=Path(__file__).parent / "migrations",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return create_service_app(SPEC, config)
