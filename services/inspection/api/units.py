"""Units and cases as inspection knows them, from registry's events."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from services.inspection.handlers import units as handlers
from shared import auth
from shared.schemas import Schema
from shared.web import unit_of_work


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    district = fields.String()
    learned_at = fields.DateTime()


units = Blueprint(
    "units", __name__, url_prefix="/api/v1/units", description="Units as inspection knows them"
)


@units.route("/<code>")
class UnitByCode(MethodView):
    @auth.roles("authority", "center", "inspector")
    @units.response(200, UnitOut)
    def get(self, code: str) -> Any:
        """A unit, from inspection's local copy of registry's events."""
        return handlers.get_unit(unit_of_work(), code)


cases = Blueprint(
    "cases", __name__, url_prefix="/api/v1/cases", description="Cases as inspection knows them"
)


class CaseOut(Schema):
    case_id = fields.Integer()
    receipt_number = fields.String()
    window_id = fields.Integer()
    unit_code = fields.String()
    matter_code = fields.String()
    stage = fields.String()
    accepted_on = fields.Date()
    completed_on = fields.Date(allow_none=True)
    overdue = fields.Boolean()


@cases.route("/<int:case_id>")
class CaseById(MethodView):
    @auth.roles("inspector", "authority", "center")
    @cases.response(200, CaseOut)
    def get(self, case_id: int) -> Any:
        """A case, from inspection's copy of registry's case events (sampling population)."""
        return handlers.get_case(unit_of_work(), case_id)


def blueprints() -> list[Blueprint]:
    return [units, cases]
