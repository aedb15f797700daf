"""Inspectors, their home units and the units they declared a conflict with: recusal in every
draw (TJ-7.4)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.inspection.api.draws import INSPECTING, UNIT, cursor_id
from services.inspection.handlers import inspectors
from shared import auth
from shared.pagination import PageQuery, page
from shared.schemas import Schema
from shared.web import (
    unit_of_work,
)

inspectors_blp = Blueprint(
    "inspectors",
    __name__,
    url_prefix="/api/v1/inspectors",
    description="Inspectors, their home units and declared conflicts (recusal, TJ-7.4)",
)


class InspectorIn(Schema):
    name = fields.String(required=True, validate=validate.Length(max=100))
    home_unit = fields.String(
        load_default=None,
        allow_none=True,
        validate=UNIT,
        metadata={"description": "the unit the inspector works for; null: the authority's staff"},
    )
    conflicts = fields.List(
        fields.String(validate=UNIT),
        load_default=list,
        metadata={"description": "units the inspector declared a conflict of interest with"},
    )
    active = fields.Boolean(load_default=True)


class InspectorChange(Schema):
    name = fields.String(validate=validate.Length(max=100))
    home_unit = fields.String(allow_none=True, validate=UNIT)
    conflicts = fields.List(fields.String(validate=UNIT))
    active = fields.Boolean()


class InspectorOut(Schema):
    id = fields.Integer()
    name = fields.String()
    home_unit = fields.String(allow_none=True)
    conflicts = fields.List(fields.String())
    active = fields.Boolean()
    registered_at = fields.DateTime()
    updated_at = fields.DateTime()


class InspectorQuery(PageQuery):
    active = fields.Boolean(load_default=None)


class InspectorPage(Schema):
    items = fields.List(fields.Nested(InspectorOut))
    next_cursor = fields.String(allow_none=True)


@inspectors_blp.route("")
class Inspectors(MethodView):
    @auth.roles("authority")
    @inspectors_blp.arguments(InspectorIn)
    @inspectors_blp.response(201, InspectorOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Register an inspector with their home unit and declared conflicts: they are never
        drawn for a window of those units (recusal, TJ-7.4)."""
        return inspectors.register_inspector(unit_of_work(), body)

    @auth.roles(*INSPECTING)
    @inspectors_blp.arguments(InspectorQuery, location="query")
    @inspectors_blp.response(200, InspectorPage)
    def get(self, query: dict[str, Any]) -> Any:
        rows = inspectors.list_inspectors(
            unit_of_work(), query["active"], cursor_id(query["cursor"]), query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@inspectors_blp.route("/<int:inspector_id>")
class InspectorById(MethodView):
    @auth.roles(*INSPECTING)
    @inspectors_blp.response(200, InspectorOut)
    def get(self, inspector_id: int) -> Any:
        return inspectors.get_inspector(unit_of_work(), inspector_id)

    @auth.roles("authority")
    @inspectors_blp.arguments(InspectorChange)
    @inspectors_blp.response(200, InspectorOut)
    def patch(self, body: dict[str, Any], inspector_id: int) -> Any:
        """Declare conflicts, change the home unit, or (de)activate; later draws apply it."""
        return inspectors.change_inspector(unit_of_work(), inspector_id, body)


blueprints: list[Blueprint] = [inspectors_blp]
