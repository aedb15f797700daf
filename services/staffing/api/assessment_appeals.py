"""Appeals of final grades and the units' weights on `assessment.blp` (EQ-3.2.2b,
EQ-3.2.2c): a unit appeals its own staff's grade, the center decides and sets how much a
unit's windows weigh in its annual target."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields

from services.staffing.api.assessment import GRADES, READERS, HallQuery, blp
from services.staffing.handlers import assessment_appeals as appeals
from shared import auth
from shared.errors import Forbidden
from shared.schemas import Schema
from shared.web import (
    require_principal,
    unit_of_work,
    unit_scope,
)


class AppealIn(Schema):
    reason = fields.String(required=True)


class AppealDecisionIn(Schema):
    grade = fields.String(
        load_default=None, validate=GRADES, metadata={"description": "upheld to; none dismisses"}
    )
    note = fields.String(required=True)


class AppealOut(Schema):
    id = fields.Integer()
    hall_code = fields.String()
    year = fields.Integer()
    staff_id = fields.String()
    unit_code = fields.String()
    reason = fields.String()
    filed_on = fields.Date()
    filed_by = fields.String()
    status = fields.String()
    grade = fields.String()
    decided_grade = fields.String(allow_none=True)
    decision_note = fields.String()
    decided_by = fields.String(allow_none=True)


class WeightIn(Schema):
    weight = fields.Decimal(required=True, metadata={"description": "at least 0.05 (EQ-3.2.2b)"})


class WeightOut(Schema):
    hall_code = fields.String()
    year = fields.Integer()
    unit_code = fields.String()
    weight = fields.String()


def _unit() -> str:
    unit = require_principal().unit
    if unit is None:
        raise Forbidden("a unit token names its unit")
    return unit


@blp.route("/<int:year>/staff/<staff_id>/appeals")
class Appeals(MethodView):
    @auth.roles("unit")
    @blp.arguments(HallQuery, location="query")
    @blp.arguments(AppealIn)
    @blp.response(201, AppealOut)
    def post(
        self, query: dict[str, Any], body: dict[str, Any], year: int, staff_id: str
    ) -> dict[str, Any]:
        """The staff member's unit appeals a final grade within the deadline."""
        hall = query["hall"]
        return appeals.file(unit_of_work(), hall, year, staff_id, _unit(), body["reason"])


@blp.route("/<int:year>/appeals")
class AppealList(MethodView):
    @auth.roles(*READERS)
    @blp.arguments(HallQuery, location="query")
    @blp.response(200, AppealOut(many=True))
    def get(self, query: dict[str, Any], year: int) -> list[dict[str, Any]]:
        return appeals.list_appeals(unit_of_work(), query["hall"], year, unit_scope())


@blp.route("/appeals/<int:appeal_id>/decision")
class AppealDecision(MethodView):
    @auth.roles("center")
    @blp.arguments(AppealDecisionIn)
    @blp.response(200, AppealOut)
    def post(self, body: dict[str, Any], appeal_id: int) -> dict[str, Any]:
        """Uphold to a grade (the quota re-checked, EQ-3.2.2c) or dismiss."""
        return appeals.decide(unit_of_work(), appeal_id, body["grade"], body["note"])


@blp.route("/<int:year>/units/<unit_code>/weight")
class UnitWeight(MethodView):
    @auth.roles("center")
    @blp.arguments(HallQuery, location="query")
    @blp.arguments(WeightIn)
    @blp.response(200, WeightOut)
    def put(
        self, query: dict[str, Any], body: dict[str, Any], year: int, unit_code: str
    ) -> dict[str, Any]:
        """The windows' weight in the unit's annual target: 0.05 at least (EQ-3.2.2b)."""
        hall = query["hall"]
        return appeals.set_unit_weight(unit_of_work(), hall, year, unit_code, body["weight"])
