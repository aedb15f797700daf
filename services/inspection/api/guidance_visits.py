"""Guidance visits to windows by the authority or the unit, with the problems found, each
problem a finding if it is one (TJ-7.2)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from services.inspection.api.findings import READERS, TEXT, FindingFacts, WindowPeriodQuery
from services.inspection.handlers import guidance_visits
from shared import auth
from shared.auth import ROLES
from shared.pagination import decode_id_cursor, page
from shared.schemas import Schema
from shared.web import require_principal, runtime, unit_of_work, unit_scope

visits_blp = Blueprint(
    "guidance-visits",
    __name__,
    url_prefix="/api/v1/guidance-visits",
    description="Guidance visits to windows by the authority or the unit (TJ-7.2)",
)


class VisitFinding(FindingFacts):
    summary = fields.String(load_default=None, metadata={"description": "default: the problem"})


class ProblemIn(Schema):
    description = fields.String(required=True, validate=TEXT)
    finding = fields.Nested(
        VisitFinding,
        load_default=None,
        allow_none=True,
        metadata={"description": "record the problem as a finding now (the authority)"},
    )


class VisitIn(Schema):
    window_id = fields.Integer(required=True)
    visited_on = fields.Date(required=True)
    visitors = fields.List(fields.String(), required=True)
    summary = fields.String(required=True, validate=TEXT)
    problems = fields.List(fields.Nested(ProblemIn), load_default=list)


class ProblemOut(Schema):
    number = fields.Integer()
    description = fields.String()
    finding_id = fields.Integer(allow_none=True)


class VisitOut(Schema):
    id = fields.Integer()
    window_id = fields.Integer()
    unit_code = fields.String()
    visited_on = fields.Date()
    visitor_role = fields.String()
    visitor_unit = fields.String(allow_none=True)
    visitors = fields.List(fields.String())
    summary = fields.String()
    problems = fields.List(fields.Nested(ProblemOut))
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class VisitPage(Schema):
    items = fields.List(fields.Nested(VisitOut))
    next_cursor = fields.String(allow_none=True)


@visits_blp.route("")
class Visits(MethodView):
    @auth.roles(*ROLES)
    @visits_blp.arguments(VisitIn)
    @visits_blp.response(201, VisitOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Record a guidance visit by the authority (any window) or a unit (its own) with the
        problems found (TJ-7.2); the authority may record each as a finding at once."""
        who = require_principal()
        return guidance_visits.record_visit(
            unit_of_work(), who.role, unit_scope(), body, runtime().calendar
        )

    @auth.roles(*READERS)
    @visits_blp.arguments(WindowPeriodQuery, location="query")
    @visits_blp.response(200, VisitPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Visits in id order; `from`/`to` bound the day of the visit. A unit token sees the
        visits to its own windows."""
        after = decode_id_cursor(query["cursor"])
        rows = guidance_visits.list_visits(
            unit_of_work(), unit_scope(), query, after, query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@visits_blp.route("/<int:visit_id>")
class VisitById(MethodView):
    @auth.roles(*READERS)
    @visits_blp.response(200, VisitOut)
    def get(self, visit_id: int) -> Any:
        return guidance_visits.get_visit(unit_of_work(), visit_id, unit_scope())


blueprints: list[Blueprint] = [visits_blp]
