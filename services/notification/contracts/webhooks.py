"""The events of integrators' webhook subscriptions. They carry no URL and no secret: an event
reaches other integrators' `govhall.#` subscriptions too (the handlers hold these back from
everyone but the owner, and a URL may hold the integrator's own token)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register


class SubscriptionV1(Schema):
    subscription_id = fields.Integer(required=True)
    owner = fields.String(required=True, metadata={"description": "the integrator's `sub`"})
    event_types = fields.List(fields.String(), required=True)
    enabled = fields.Boolean(required=True)
    at = fields.AwareDateTime(required=True)


class DisabledV1(Schema):
    subscription_id = fields.Integer(required=True)
    owner = fields.String(required=True)
    failures = fields.Integer(
        required=True, metadata={"description": "failed attempts in a row that disabled it"}
    )
    last_status_code = fields.Integer(allow_none=True, load_default=None)
    reason = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


class ReplayedV1(Schema):
    subscription_id = fields.Integer(required=True)
    owner = fields.String(required=True)
    deliveries = fields.Integer(required=True, metadata={"description": "how many re-queued"})
    start = fields.AwareDateTime(allow_none=True, load_default=None)
    end = fields.AwareDateTime(allow_none=True, load_default=None)
    at = fields.AwareDateTime(required=True)


WEBHOOK_CREATED = EventType(
    "govhall.notification.webhook.created.v1",
    SubscriptionV1,
    "An integrator subscribed a URL to event type patterns",
)
WEBHOOK_UPDATED = EventType(
    "govhall.notification.webhook.updated.v1",
    SubscriptionV1,
    "An integrator changed a subscription's patterns, or enabled or disabled it",
)
WEBHOOK_SECRET_ROTATED = EventType(
    "govhall.notification.webhook.secret_rotated.v1",
    SubscriptionV1,
    "A subscription's signing secret was replaced (the old one signs too for a day)",
)
WEBHOOK_DISABLED = EventType(
    "govhall.notification.webhook.disabled.v1",
    DisabledV1,
    "A subscription failed too many deliveries in a row and was disabled; its owner is told",
)
WEBHOOK_REPLAYED = EventType(
    "govhall.notification.webhook.replayed.v1",
    ReplayedV1,
    "An integrator asked for deliveries again: one, or every event of a time range",
)

register(
    WEBHOOK_CREATED, WEBHOOK_UPDATED, WEBHOOK_SECRET_ROTATED, WEBHOOK_DISABLED, WEBHOOK_REPLAYED
)
