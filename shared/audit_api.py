"""The authority's view of a service's audit trail: the records, and the chain verified."""

from __future__ import annotations

import json
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import select

from shared import audit_sealer, audit_table, audit_verify, auth
from shared.pagination import PageQuery, decode_id_cursor, page
from shared.schemas import Schema
from shared.service import runtime

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/audit",
    description="Every write of this service and every read of personal data, hash-chained.",
)


class RecordSchema(Schema):
    reply = True

    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    role = fields.String()
    action = fields.String(metadata={"description": "`METHOD route`, `apply <event type>`, …"})
    object = fields.String(metadata={"description": "the path or event subject acted on"})
    before = fields.Dict(allow_none=True, metadata={"description": "`table:key` → row as it was"})
    after = fields.Dict(
        allow_none=True,
        metadata={"description": "`table:key` → the row's new values; `read`: personal data shown"},
    )
    request_id = fields.String(allow_none=True)
    correlation_id = fields.String(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()


class RecordPage(Schema):
    items = fields.List(fields.Nested(RecordSchema))
    next_cursor = fields.String(allow_none=True)


class RecordQuery(PageQuery):
    actor = fields.String(load_default=None, validate=validate.Length(max=300))
    correlation_id = fields.String(load_default=None, validate=validate.Length(max=128))


class VerdictSchema(Schema):
    reply = True

    intact = fields.Boolean()
    records = fields.Integer()
    broken_at = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    pending = fields.Integer(
        metadata={"description": "records written but not yet chained (their own MAC checked)"}
    )


@blp.route("/records")
class Records(MethodView):
    @auth.roles("authority")
    @blp.arguments(RecordQuery, location="query")
    @blp.response(200, RecordPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Records in the order they were chained, filtered by actor or correlation id."""
        db = runtime().db
        audit_sealer.seal_all(db)  # every write committed so far is in the list
        table = db.table(audit_table.TABLE)
        statement = select(table).order_by(table.c.id).limit(query["limit"] + 1)
        after = decode_id_cursor(query["cursor"])
        if after is not None:
            statement = statement.where(table.c.id > after)
        for name in ("actor", "correlation_id"):
            if query[name] is not None:
                statement = statement.where(table.c[name] == query[name])
        with db.engine.connect() as connection:
            rows = [_shown(row) for row in connection.execute(statement).mappings()]
        return page(rows, query["limit"], key=lambda row: row["id"])


def _shown(row: Any) -> dict[str, Any]:
    record = dict(row)
    for side in ("before", "after"):
        record[side] = json.loads(record[side]) if record[side] else None
    return record


@blp.route("/verification")
class Verification(MethodView):
    @auth.roles("authority")
    @blp.response(200, VerdictSchema)
    def get(self) -> dict[str, Any]:
        """Recompute the keyed chain now; names the first broken link. A deleted tail shows only
        against the checkpoints kept outside this database: `govhall audit verify` reads them."""
        db = runtime().db
        audit_sealer.seal_all(db)
        with db.engine.connect() as connection:
            verdict = audit_verify.verify_table(
                connection, db.table(audit_table.TABLE), db.audit_keyring
            )
        return {
            "intact": verdict.intact,
            "records": verdict.records,
            "broken_at": verdict.broken_at,
            "reason": verdict.reason,
            "pending": verdict.pending,
        }
