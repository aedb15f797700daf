"""Halls and their announced closures and moves (EQ-4.5)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.registry.api.schemas import HallIn, HallNoticeIn, HallNoticeOut, HallOut
from services.registry.handlers import halls
from shared import auth, clock
from shared.schemas import Schema
from shared.web import runtime, unit_of_work

blp = Blueprint("halls", __name__, url_prefix="/api/v1/halls", description="Halls (EQ-1.1, EQ-4.5)")


@blp.route("")
class Halls(MethodView):
    @auth.roles("authority", "center")
    @blp.arguments(HallIn)
    @blp.response(201, HallOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Register a hall."""
        return {**halls.register_hall(unit_of_work(), body), "notices": []}

    @auth.public
    @blp.response(200, HallOut(many=True))
    def get(self) -> Any:
        """Every hall with its announced closures and moves (public)."""
        return halls.list_halls(unit_of_work())


@blp.route("/<code>")
class HallByCode(MethodView):
    @auth.public
    @blp.response(200, HallOut)
    def get(self, code: str) -> Any:
        return halls.get_hall(unit_of_work(), code)


class CalendarQuery(Schema):
    start = fields.Date(
        load_default=None, data_key="from", metadata={"description": "first day (default: today)"}
    )
    days = fields.Integer(load_default=31, validate=validate.Range(min=1, max=366))


class CalendarDay(Schema):
    reply = True

    date = fields.Date()
    workday = fields.Boolean()
    closed = fields.Boolean()
    reason = fields.String()


@blp.route("/<code>/calendar")
class HallCalendarView(MethodView):
    @auth.public
    @blp.arguments(CalendarQuery, location="query")
    @blp.response(200, CalendarDay(many=True))
    def get(self, query: dict[str, Any], code: str) -> Any:
        """The hall's working days: holidays, make-up working days and announced closures."""
        start = query["start"] or clock.today()
        return halls.calendar(unit_of_work(), code, runtime().calendar, start, query["days"])


@blp.route("/<code>/notices")
class HallNotices(MethodView):
    @auth.roles("center", "authority")
    @blp.arguments(HallNoticeIn)
    @blp.response(201, HallNoticeOut)
    def post(self, body: dict[str, Any], code: str) -> Any:
        """Announce a closure or move, in advance (EQ-4.5)."""
        return halls.announce(unit_of_work(), code, body, calendar=runtime().calendar)
