"""Staffing's HTTP adapter."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.staffing import handlers
from services.staffing.schemas import UnitOut
from shared import auth
from shared.web import unit_of_work

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


def blueprints() -> list[Blueprint]:
    return [units]
