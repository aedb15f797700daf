"""Case volume for the center (TJ-7.6 low volume, EQ-2.2c surges)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate, validates_schema

from services.registry.handlers import volume
from shared import auth, clock
from shared.schemas import Schema
from shared.web import unit_of_work

blp = Blueprint(
    "volume",
    __name__,
    url_prefix="/api/v1/volume",
    description="Cases per window, matter and day; low volume and surges",
)
ROLES = ("center", "authority", "inspector")


class Period(Schema):
    start = fields.Date(load_default=None, data_key="from")
    end = fields.Date(load_default=None, data_key="to")

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data["start"] and data["end"] and data["end"] < data["start"]:
            raise ValidationError("`to` is on or after `from`", "to")


class CountQuery(Period):
    by = fields.String(load_default="window", validate=validate.OneOf(list(volume.GROUPS)))


class LowQuery(Period):
    min_cases = fields.Integer(
        load_default=10,
        validate=validate.Range(min=1),
        metadata={"description": "fewer than this is low (TJ-7.6)"},
    )


class SurgeQuery(Period):
    threshold = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1),
        metadata={"description": "more than this a day is a surge"},
    )


def _period(query: dict[str, Any], days: int) -> tuple[Any, Any]:
    end = query["end"] or clock.today()
    return query["start"] or end - timedelta(days=days), end


class Row(Schema):
    reply = True

    window_id = fields.Integer()
    matter_code = fields.String()
    accepted_on = fields.Date()
    unit_code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    cases = fields.Integer()


@blp.route("")
class Counts(MethodView):
    @auth.roles(*ROLES)
    @blp.arguments(CountQuery, location="query")
    @blp.response(200, Row(many=True))
    def get(self, query: dict[str, Any]) -> Any:
        """Cases accepted per window, matter, day or window and day (default: last 30 days)."""
        return volume.counts(unit_of_work(), query["by"], *_period(query, 30))


@blp.route("/low")
class Low(MethodView):
    @auth.roles(*ROLES)
    @blp.arguments(LowQuery, location="query")
    @blp.response(200, Row(many=True))
    def get(self, query: dict[str, Any]) -> Any:
        """Active windows with too few cases: candidates for revocation (TJ-7.6)."""
        return volume.low_volume(unit_of_work(), *_period(query, 365), query["min_cases"])


@blp.route("/surges")
class Surges(MethodView):
    @auth.roles(*ROLES)
    @blp.arguments(SurgeQuery, location="query")
    @blp.response(200, Row(many=True))
    def get(self, query: dict[str, Any]) -> Any:
        """Days a window took more cases than the threshold: open an emergency window (EQ-2.2c)."""
        return volume.surges(unit_of_work(), *_period(query, 30), query["threshold"])
