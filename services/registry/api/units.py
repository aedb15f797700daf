"""Units (TJ-1)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.registry.api.schemas import UnitIn, UnitOut, UnitPatch, page_of
from services.registry.handlers import units
from shared import auth
from shared.errors import NotFound
from shared.pagination import PageQuery, decode_cursor, page
from shared.web import reads, unit_of_work, unit_scope

blp = Blueprint("units", __name__, url_prefix="/api/v1/units", description="Units (TJ-1)")


@blp.route("")
class Units(MethodView):
    @auth.roles("authority")
    @blp.arguments(UnitIn)
    @blp.response(201, UnitOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Register a unit (the authority, TJ-1)."""
        return units.register_unit(unit_of_work(), **body)

    @auth.roles("authority", "center", "inspector")
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, page_of(UnitOut))
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Units in code order."""
        rows = units.list_units(reads(), decode_cursor(query["cursor"], str), query["limit"] + 1)
        return page(rows, query["limit"], key=lambda unit: unit["code"])


@blp.route("/<code>")
class UnitByCode(MethodView):
    @auth.roles("authority", "center", "inspector", "unit")
    @blp.response(200, UnitOut)
    def get(self, code: str) -> Any:
        """One unit; a unit token reads only its own."""
        _own(code)
        return units.get_unit(reads(), code)

    @auth.roles("authority", "unit")
    @blp.arguments(UnitPatch)
    @blp.response(200, UnitOut)
    def patch(self, changes: dict[str, Any], code: str) -> Any:
        """Change a unit's name, district or contact persons (the unit itself or the authority)."""
        _own(code)
        return units.update_unit(unit_of_work(), code, changes)


def _own(code: str) -> None:
    scope = unit_scope()
    if scope is not None and scope != code:
        raise NotFound(f"no unit {code}")
