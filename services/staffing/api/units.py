"""Staffing's HTTP adapter."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.staffing.handlers import units as handlers
from shared import auth
from shared.schemas import Schema
from shared.web import unit_of_work


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    district = fields.String()
    learned_at = fields.DateTime()


units = Blueprint(
    "units", __name__, url_prefix="/api/v1/units", description="Units as staffing knows them"
)


@units.route("/<code>")
class UnitByCode(MethodView):
    @auth.roles("authority", "center", "inspector")
    @units.response(200, UnitOut)
    def get(self, code: str) -> Any:
        """A unit, from staffing's local copy of registry's events."""
        return handlers.get_unit(unit_of_work(), code)


work = Blueprint(
    "case-work",
    __name__,
    url_prefix="/api/v1/case-work",
    description="Steps of cases each staff member took (an assessment input)",
)


class WorkQuery(Schema):
    staff_id = fields.String(required=True)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class WorkOut(Schema):
    event_id = fields.String()
    staff_id = fields.String()
    case_id = fields.Integer()
    stage = fields.String()
    on = fields.Date()
    window_id = fields.Integer()
    unit_code = fields.String()
    overdue = fields.Boolean()


@work.route("")
class CaseWork(MethodView):
    @auth.roles("center", "authority")
    @work.arguments(WorkQuery, location="query")
    @work.response(200, WorkOut(many=True))
    def get(self, query: dict[str, Any]) -> Any:
        """A staff member's case steps, newest first, each with the event it came from."""
        return handlers.case_work(unit_of_work(), query["staff_id"], query["limit"])
