"""The audit checkpoints notification keeps for every service (shared/audit_checkpoints.py): the
authority reads the anchors `govhall audit verify` compares each chain with."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import select

from services.notification.adapters import tables
from shared import audit_checkpoints, auth
from shared.config import SERVICES
from shared.pagination import PageQuery, decode_id_cursor, page
from shared.schemas import Schema
from shared.web import runtime

blp = Blueprint(
    "audit_checkpoints",
    __name__,
    url_prefix="/api/v1/audit/checkpoints",
    description="The signed heads of every service's audit trail, kept outside its database.",
)


class CheckpointSchema(Schema):
    reply = True

    id = fields.Integer()
    service = fields.String()
    records = fields.Integer()
    last_id = fields.Integer()
    last_mac = fields.String()
    at = fields.DateTime()
    key_id = fields.String()
    signed = fields.Boolean(
        metadata={"description": "its signature holds with the hall's audit keys"}
    )
    received_at = fields.DateTime()


class CheckpointPage(Schema):
    items = fields.List(fields.Nested(CheckpointSchema))
    next_cursor = fields.String(allow_none=True)


class CheckpointQuery(PageQuery):
    service = fields.String(load_default=None, validate=validate.OneOf(SERVICES))


@blp.route("")
class Checkpoints(MethodView):
    @auth.roles("authority")
    @blp.arguments(CheckpointQuery, location="query")
    @blp.response(200, CheckpointPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Checkpoints as received, oldest first, of one service or all."""
        rt = runtime()
        table = tables.audit_checkpoints
        statement = select(table).order_by(table.c.id).limit(query["limit"] + 1)
        after = decode_id_cursor(query["cursor"])
        if after is not None:
            statement = statement.where(table.c.id > after)
        if query["service"] is not None:
            statement = statement.where(table.c.service == query["service"])
        with rt.db.engine.connect() as connection:
            rows = [dict(row) for row in connection.execute(statement).mappings()]
        for row in rows:
            row["signed"] = audit_checkpoints.from_data(row).signed_by(rt.keyring)
        return page(rows, query["limit"], key=lambda row: row["id"])
