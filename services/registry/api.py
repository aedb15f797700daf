"""Registry's HTTP adapter: parse, authorize, call a handler, shape the response."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.registry import handlers
from services.registry.schemas import UnitIn, UnitOut, UnitPage
from shared import auth
from shared.pagination import PageQuery, decode_cursor, page
from shared.web import unit_of_work

units = Blueprint("units", __name__, url_prefix="/api/v1/units", description="Units (TJ-1)")

READERS = ("authority", "center", "inspector")


@units.route("")
class Units(MethodView):
    @auth.roles("authority")
    @units.arguments(UnitIn)
    @units.response(201, UnitOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Register a unit (authority only, TJ-1)."""
        return handlers.register_unit(unit_of_work(), **body)

    @auth.roles(*READERS)
    @units.arguments(PageQuery, location="query")
    @units.response(200, UnitPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Units in code order."""
        rows = handlers.list_units(
            unit_of_work(), decode_cursor(query["cursor"]), query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda unit: unit.code)


@units.route("/<code>")
class UnitByCode(MethodView):
    @auth.roles(*READERS)
    @units.response(200, UnitOut)
    def get(self, code: str) -> Any:
        return handlers.get_unit(unit_of_work(), code)


def blueprints() -> list[Blueprint]:
    return [units]
