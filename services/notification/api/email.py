"""The e-mail endpoints: the center's address book, and the deliveries with their retry."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.notification.domain import inboxes
from services.notification.domain.email import LANGUAGES, STATUSES
from services.notification.handlers import email as handlers
from shared import auth
from shared.errors import NotFound
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import require_principal, unit_of_work, unit_scope

addresses_blp = Blueprint(
    "email_addresses",
    __name__,
    url_prefix="/api/v1/email/addresses",
    description="Who gets e-mail for an inbox (the center's address book; a unit keeps its "
    "own staff's)",
)
deliveries_blp = Blueprint(
    "email_deliveries",
    __name__,
    url_prefix="/api/v1/email/deliveries",
    description="E-mails recorded for notices, sent, retried or dead",
)
blueprints: list[Blueprint] = [addresses_blp, deliveries_blp]


class AddressIn(Schema):
    address = fields.String(required=True, validate=validate.Length(min=3, max=254))
    language = fields.String(load_default="zh", validate=validate.OneOf(LANGUAGES))


class AddressOut(Schema):
    inbox_key = fields.String(
        metadata={
            "description": "authority, center, inspector, unit:<code>, "
            "staff:<unit code>:<staff id>, district:<name> or integrator:<sub>"
        }
    )
    address = fields.String()
    language = fields.String()
    source = fields.String(
        metadata={"description": "`center` or `unit` (this API) or `registry` (a unit's contact)"}
    )
    updated_at = fields.DateTime()


class DeliveryQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class DeliveryOut(Schema):
    id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    recipient = fields.String()
    address = fields.String()
    language = fields.String()
    subject = fields.String()
    status = fields.String(metadata={"description": "pending, sent or dead"})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class DeliveryPage(Schema):
    items = fields.List(fields.Nested(DeliveryOut))
    next_cursor = fields.String(allow_none=True)


@addresses_blp.route("")
class Addresses(MethodView):
    @auth.roles("center", "authority")
    @addresses_blp.response(200, AddressOut(many=True))
    def get(self) -> Any:
        """Every inbox's address and language."""
        return handlers.list_addresses(unit_of_work())


def _addressable(inbox_key: str) -> str:
    """The center may address any inbox (a key naming none is the handler's 422); a unit only
    its own staff's, anything else being 404 as for any other unit's object. Returns the role,
    which the address book keeps as who set the address."""
    who = require_principal()
    if not inboxes.may_address(who.role, who.unit, inbox_key):
        raise NotFound(f"no inbox {inbox_key}")
    return who.role


@addresses_blp.route("/<inbox_key>")
class Address(MethodView):
    @auth.roles("center", "unit")
    @addresses_blp.arguments(AddressIn)
    @addresses_blp.response(200, AddressOut)
    def put(self, body: dict[str, Any], inbox_key: str) -> Any:
        """Set the address and language of an inbox; registry's contacts never overwrite it. A
        unit sets those of its own staff (`staff:<its code>:<staff id>`)."""
        source = _addressable(inbox_key)
        return handlers.put_address(
            unit_of_work(), inbox_key, body["address"], body["language"], source
        )

    @auth.roles("center", "unit")
    @addresses_blp.response(204)
    def delete(self, inbox_key: str) -> None:
        """Stop e-mailing an inbox (what is recorded already is still sent); a unit, one of its
        own staff's."""
        _addressable(inbox_key)
        handlers.delete_address(unit_of_work(), inbox_key)


@deliveries_blp.route("")
class Deliveries(MethodView):
    @auth.roles("center", "authority", "unit")
    @deliveries_blp.arguments(DeliveryQuery, location="query")
    @deliveries_blp.response(200, DeliveryPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """E-mail deliveries, oldest first; a unit sees only its own and its staff's."""
        rows = handlers.list_deliveries(
            unit_of_work(),
            unit_scope(),
            query["status"],
            decode_cursor(query["cursor"], int) or 0,
            query["limit"] + 1,
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@deliveries_blp.route("/<int:delivery_id>/retry")
class Retry(MethodView):
    @auth.roles("center")
    @deliveries_blp.response(200, DeliveryOut)
    def post(self, delivery_id: int) -> Any:
        """Send a dead (or waiting) delivery again now; a sent one is a 409."""
        return handlers.retry(unit_of_work(), delivery_id)
