"""The annual assessment (EQ-3.2.2a–d): the center runs the cycle, units read their own and
appeal, reports come as JSON or CSV.

This module holds the two blueprints, what their routes share and the cycle's own steps (open,
score, calibrate, finalise, the quota exception, the schemes); `assessment_results.py` adds the
results, explanations and reports to `blp`, and `assessment_appeals.py` the appeals and the
units' weights.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.staffing.domain.assessment import Grade
from services.staffing.handlers import assessment as cycle
from services.staffing.handlers import assessment_grades as grading
from services.staffing.handlers import assessment_inputs as inputs
from services.staffing.handlers import assessment_schemes as schemes
from services.staffing.handlers import assessment_scoring as scoring
from shared import auth
from shared.csv_reports import CsvQuery
from shared.schemas import Schema
from shared.web import unit_of_work

blp = Blueprint(
    "assessments",
    __name__,
    url_prefix="/api/v1/assessments",
    description="The annual assessment of windows and staff (EQ-3.2.2a–d)",
)
schemes_blp = Blueprint(
    "assessment-schemes",
    __name__,
    url_prefix="/api/v1/assessment-schemes",
    description="Published, versioned scoring schemes",
)
READERS = ("authority", "center", "inspector", "unit")
GRADES = validate.OneOf([g.value for g in Grade])
POINTS = fields.Decimal(as_string=True, allow_none=True)


HALL = fields.String(
    load_default=None,
    validate=validate.Length(min=1, max=63),
    metadata={
        "description": "the hall whose cycle (EQ-3.2.2a: one per hall and year); may be left "
        "out while staffing knows a single hall, else 422 naming `hall`"
    },
)


class HallQuery(Schema):
    hall = HALL


class HallCsvQuery(CsvQuery):
    hall = HALL


class CycleIn(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    scheme_version = fields.Integer(load_default=None, metadata={"description": "else newest"})
    window_weight = fields.Decimal(
        load_default=None, metadata={"description": "windows' weight in units' targets, ≥ 0.05"}
    )
    appeal_days = fields.Integer(load_default=None, validate=validate.Range(min=1, max=365))


class CycleOut(Schema):
    hall_code = fields.String()
    year = fields.Integer()
    state = fields.String()
    scheme_version = fields.Integer()
    window_weight = fields.String()
    appeal_days = fields.Integer()
    opened_by = fields.String()
    opened_at = fields.DateTime()
    scored_at = fields.DateTime(allow_none=True)
    finalised_on = fields.Date(allow_none=True)
    finalised_by = fields.String(allow_none=True)
    assessed = fields.Integer()
    quota = fields.Integer(
        metadata={
            "description": "floor(20% × assessed) (EQ-3.2.2c); 1 under the authority's "
            "exception for fewer than 5 assessed (LR-SMALL-QUOTA)"
        }
    )
    quota_exception_by = fields.String(allow_none=True)
    quota_exception_reason = fields.String(allow_none=True)
    excellent = fields.Integer()
    over_by = fields.Integer(metadata={"description": "excellent beyond the quota"})
    grades = fields.Dict(keys=fields.String(), values=fields.Integer())


class GradeIn(Schema):
    grade = fields.String(required=True, validate=GRADES)
    reason = fields.String(required=True)


class SchemeOut(Schema):
    version = fields.Integer()
    values = fields.Dict(keys=fields.String(), values=fields.String())
    published_by = fields.String()
    published_at = fields.DateTime(allow_none=True)


class SchemeIn(Schema):
    values = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        required=True,
        metadata={"description": "the values that differ from version 1's"},
    )


@blp.route("")
class Cycles(MethodView):
    @auth.roles("center")
    @blp.arguments(HallQuery, location="query")
    @blp.arguments(CycleIn)
    @blp.response(201, CycleOut)
    def post(self, query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Open a hall's cycle for a year: every staff member who served in the hall that year
        (EQ-3.2.2a)."""
        body = {k: v for k, v in body.items() if v is not None}
        return cycle.open_cycle(unit_of_work(), body, query["hall"])


@blp.route("/<int:year>")
class CycleByYear(MethodView):
    @auth.roles(*READERS)
    @blp.arguments(HallQuery, location="query")
    @blp.response(200, CycleOut)
    def get(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """The hall's cycle, with the quota while calibrating (EQ-3.2.2c)."""
        uow = unit_of_work()
        with uow:
            hall = inputs.resolve_hall(uow, query["hall"])
            return cycle.cycle_view(uow, cycle.cycle_row(uow, hall, year))


@blp.route("/<int:year>/scoring")
class Scoring(MethodView):
    @auth.roles("center")
    @blp.arguments(HallQuery, location="query")
    @blp.response(200, CycleOut)
    def post(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """Score everyone and propose grades within the quota; again takes in late facts."""
        return scoring.score(unit_of_work(), query["hall"], year)


@blp.route("/<int:year>/finalisation")
class Finalisation(MethodView):
    @auth.roles("center")
    @blp.arguments(HallQuery, location="query")
    @blp.response(200, CycleOut)
    def post(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """Refused while more than the quota are excellent (EQ-3.2.2c); writes the personal
        records (EQ-3.2.2d)."""
        return grading.finalise(unit_of_work(), query["hall"], year)


@blp.route("/<int:year>/staff/<staff_id>/grade")
class Calibration(MethodView):
    @auth.roles("center")
    @blp.arguments(HallQuery, location="query")
    @blp.arguments(GradeIn)
    @blp.response(200, CycleOut)
    def put(
        self, query: dict[str, Any], body: dict[str, Any], year: int, staff_id: str
    ) -> dict[str, Any]:
        """Calibrate a grade with a reason; answers with the quota as it now stands."""
        return grading.calibrate(unit_of_work(), query["hall"], year, staff_id, body)


class QuotaExceptionIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


@blp.route("/<int:year>/quota-exception")
class QuotaException(MethodView):
    @auth.roles("authority")
    @blp.arguments(HallQuery, location="query")
    @blp.arguments(QuotaExceptionIn)
    @blp.response(200, CycleOut)
    def put(self, query: dict[str, Any], body: dict[str, Any], year: int) -> dict[str, Any]:
        """The authority's written exception for a cycle of fewer than 5 assessed, whose 20%
        floors to nobody: one excellent place (LR-SMALL-QUOTA). Score again to propose it."""
        return cycle.grant_quota_exception(unit_of_work(), query["hall"], year, body["reason"])


@schemes_blp.route("")
class Schemes(MethodView):
    @auth.roles(*READERS)
    @schemes_blp.response(200, SchemeOut(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Every version; version 1 is the built-in defaults (docs/assessment.md)."""
        return schemes.list_schemes(unit_of_work())

    @auth.roles("center")
    @schemes_blp.arguments(SchemeIn)
    @schemes_blp.response(201, SchemeOut)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Publish the next version: the values that differ from the defaults."""
        return schemes.publish_scheme(unit_of_work(), body["values"])
