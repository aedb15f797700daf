"""Notification's HTTP adapter: one blueprint module per topic."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.notification.api import checkpoints, email, inbox, webhooks


def blueprints() -> list[Blueprint]:
    return [
        inbox.notices,
        inbox.case_notices,
        *email.blueprints,
        *webhooks.blueprints,
        checkpoints.blp,
    ]
