"""Webhooks for integrators: subscriptions, their delivery log and replays (docs/webhooks.md)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.notification.handlers import webhook_subscriptions
from shared import auth
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import reads, require_principal, unit_of_work

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Signed webhooks (Standard Webhooks) for integrators; see docs/webhooks.md",
)
blueprints: list[Blueprint] = [blp]

PATTERNS = fields.List(
    fields.String(validate=validate.Length(min=1, max=200)),
    validate=validate.Length(min=1, max=20),
    metadata={"description": "topic patterns: `*` one word, `#` any, e.g. govhall.inspection.#"},
)


class WebhookSubscriptionIn(Schema):
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "https://…; http only to 127.0.0.1 or localhost"},
    )
    event_types = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": PATTERNS.metadata["description"]},
    )
    description = fields.String(load_default="", validate=validate.Length(max=500))


class WebhookSubscriptionChange(Schema):
    url = fields.String(validate=validate.Length(min=1, max=2000))
    event_types = PATTERNS
    description = fields.String(validate=validate.Length(max=500))
    enabled = fields.Boolean()


class WebhookSubscriptionOut(Schema):
    id = fields.Integer()
    url = fields.String()
    event_types = fields.List(fields.String())
    description = fields.String()
    enabled = fields.Boolean()
    disabled_reason = fields.String(allow_none=True)
    consecutive_failures = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class WebhookSubscriptionWithSecret(WebhookSubscriptionOut):
    secret = fields.String(
        metadata={"description": "whsec_…: shown only now; keep it to verify signatures"}
    )


class WebhookSubscriptionPage(Schema):
    items = fields.List(fields.Nested(WebhookSubscriptionOut))
    next_cursor = fields.String(allow_none=True)


class WebhookAttemptOut(Schema):
    attempted_at = fields.DateTime()
    status_code = fields.Integer(allow_none=True, metadata={"description": "null: no answer"})
    error = fields.String(allow_none=True)
    response = fields.String(metadata={"description": "the answer's first 500 characters"})
    duration_ms = fields.Integer()


class WebhookDeliveryOut(Schema):
    id = fields.Integer()
    subscription_id = fields.Integer()
    event_id = fields.String(metadata={"description": "also the `webhook-id` header"})
    event_type = fields.String()
    status = fields.String(metadata={"description": "pending, delivered or failed"})
    attempts = fields.Integer(metadata={"description": "failed tries since last queued"})
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
    attempts_log = fields.List(
        fields.Nested(WebhookAttemptOut), metadata={"description": "newest first"}
    )


class WebhookDeliveryPage(Schema):
    items = fields.List(fields.Nested(WebhookDeliveryOut))
    next_cursor = fields.String(allow_none=True)


class WebhookDeliveryQuery(PageQuery):
    status = fields.String(
        load_default=None, validate=validate.OneOf(["pending", "delivered", "failed"])
    )


class WebhookReplayRange(Schema):
    start = fields.AwareDateTime(required=True, data_key="from")
    end = fields.AwareDateTime(required=True, data_key="to")


class WebhookReplayOut(Schema):
    deliveries = fields.Integer(metadata={"description": "how many were queued again"})


def _owner() -> str:
    return require_principal().sub


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    @auth.roles("integrator")
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, WebhookSubscriptionPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The caller's own subscriptions."""
        after = decode_cursor(query["cursor"], int) or 0
        rows = webhook_subscriptions.list_own(reads(), _owner(), after, query["limit"] + 1)
        return page(rows, query["limit"], key=lambda row: row["id"])

    @auth.roles("integrator")
    @blp.arguments(WebhookSubscriptionIn)
    @blp.response(201, WebhookSubscriptionWithSecret)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Subscribe a URL to event type patterns; the answer shows the signing secret once."""
        return webhook_subscriptions.create(unit_of_work(), _owner(), body)


@blp.route("/subscriptions/<int:subscription_id>")
class Subscription(MethodView):
    @auth.roles("integrator")
    @blp.response(200, WebhookSubscriptionOut)
    def get(self, subscription_id: int) -> dict[str, Any]:
        return webhook_subscriptions.get(reads(), _owner(), subscription_id)

    @auth.roles("integrator")
    @blp.arguments(WebhookSubscriptionChange)
    @blp.response(200, WebhookSubscriptionOut)
    def patch(self, body: dict[str, Any], subscription_id: int) -> dict[str, Any]:
        """Change patterns, URL or description; enable or disable."""
        return webhook_subscriptions.change(unit_of_work(), _owner(), subscription_id, body)


@blp.route("/subscriptions/<int:subscription_id>/secret-rotation")
class SecretRotation(MethodView):
    @auth.roles("integrator")
    @blp.response(200, WebhookSubscriptionWithSecret)
    def post(self, subscription_id: int) -> dict[str, Any]:
        """A new signing secret, shown once; the old one also signs for 24 hours."""
        return webhook_subscriptions.rotate_secret(unit_of_work(), _owner(), subscription_id)


@blp.route("/subscriptions/<int:subscription_id>/deliveries")
class Deliveries(MethodView):
    @auth.roles("integrator")
    @blp.arguments(WebhookDeliveryQuery, location="query")
    @blp.response(200, WebhookDeliveryPage)
    def get(self, query: dict[str, Any], subscription_id: int) -> dict[str, Any]:
        """The delivery log, newest first, with each delivery's attempts and status codes."""
        before = decode_cursor(query["cursor"], int) or 0
        rows = webhook_subscriptions.deliveries(
            unit_of_work(), _owner(), subscription_id, query["status"], before, query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@blp.route("/subscriptions/<int:subscription_id>/replay")
class ReplayRange(MethodView):
    @auth.roles("integrator")
    @blp.arguments(WebhookReplayRange)
    @blp.response(202, WebhookReplayOut)
    def post(self, body: dict[str, Any], subscription_id: int) -> dict[str, Any]:
        """Send again the events received in [from, to) that the subscription matches."""
        count = webhook_subscriptions.replay_range(
            unit_of_work(), _owner(), subscription_id, body["start"], body["end"]
        )
        return {"deliveries": count}


@blp.route("/deliveries/<int:delivery_id>")
class Delivery(MethodView):
    @auth.roles("integrator")
    @blp.response(200, WebhookDeliveryOut)
    def get(self, delivery_id: int) -> dict[str, Any]:
        return webhook_subscriptions.delivery(unit_of_work(), _owner(), delivery_id)


@blp.route("/deliveries/<int:delivery_id>/replay")
class ReplayDelivery(MethodView):
    @auth.roles("integrator")
    @blp.response(202, WebhookDeliveryOut)
    def post(self, delivery_id: int) -> dict[str, Any]:
        """Send a delivered or failed delivery again, with the same webhook-id."""
        return webhook_subscriptions.replay_delivery(unit_of_work(), _owner(), delivery_id)
