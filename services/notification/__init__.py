"""notification: the inbox, e-mail and webhooks that tell people what happened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from services.notification import api
from services.notification.adapters import consumers, tables
from services.notification.handlers import email, webhooks
from shared.service import ServiceSpec
from shared.web import create_service_app

SPEC = ServiceSpec(
    name="notification",
    title="govhall notification",
    description="Inbox, e-mail and signed webhooks.",
    metadata=tables.metadata,
    blueprints=api.blueprints,
    subscriptions=consumers.SUBSCRIPTIONS,
    migrations=Path(__file__).parent / "migrations",
    package=__name__,
    sweeps=(*email.SWEEPS, *webhooks.SWEEPS),
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return create_service_app(SPEC, config)
