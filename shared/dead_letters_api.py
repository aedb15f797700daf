"""Operators' view of events a service could not apply: list, inspect, replay."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from shared import auth
from shared.consumer import UNDECODABLE
from shared.errors import Conflict, NotFound
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.service import runtime

blp = Blueprint(
    "dead-letters",
    __name__,
    url_prefix="/api/v1/dead-letters",
    description="Events this service failed to apply: retrying, or kept as dead letters.",
)

OPERATORS = ("authority", "center")


class FailedEventSchema(Schema):
    reply = True

    id = fields.Integer()
    consumer = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    status = fields.String(metadata={"description": "retrying or dead"})
    attempts = fields.Integer()
    last_error = fields.String()
    first_failed_at = fields.DateTime()
    next_attempt_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    body = fields.String(metadata={"description": "the message as received"})


class FailedEventPage(Schema):
    items = fields.List(fields.Nested(FailedEventSchema))
    next_cursor = fields.String(allow_none=True)


class DeadLetterQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(["retrying", "dead"]))


class ReplayResult(Schema):
    reply = True

    id = fields.Integer()
    applied = fields.Boolean()


@blp.route("")
class DeadLetters(MethodView):
    @auth.roles(*OPERATORS)
    @blp.arguments(DeadLetterQuery, location="query")
    @blp.response(200, FailedEventPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """List failed events, oldest first."""
        after = decode_cursor(query["cursor"], int) or 0
        rows = runtime().inbox.list(query["status"], int(after), query["limit"] + 1)
        return page(rows, query["limit"], key=lambda row: row.id)


@blp.route("/<int:failed_id>")
class DeadLetter(MethodView):
    @auth.roles(*OPERATORS)
    @blp.response(200, FailedEventSchema)
    def get(self, failed_id: int) -> Any:
        """One failed event with its last error."""
        kept = runtime().inbox.get(failed_id)
        if kept is None:
            raise NotFound(f"no failed event {failed_id}")
        return kept


@blp.route("/<int:failed_id>/replay")
class Replay(MethodView):
    @auth.roles(*OPERATORS)
    @blp.response(200, ReplayResult)
    def post(self, failed_id: int) -> dict[str, Any]:
        """Apply the event again, now. Applied at most once, however often it is replayed."""
        inbox = runtime().inbox
        kept = inbox.get(failed_id)
        if kept is None:
            raise NotFound(f"no failed event {failed_id}")
        if kept.event_type == UNDECODABLE:
            raise Conflict("an undecodable message cannot be replayed; it is kept for inspection")
        still = inbox.retry(failed_id, replay=True)
        if still is not None:
            raise Conflict(f"the event failed again: {still.last_error}")
        return {"id": failed_id, "applied": True}
