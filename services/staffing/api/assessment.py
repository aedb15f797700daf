"""The annual assessment (EQ-3.2.2a–d): the center runs the cycle, units read their own and
appeal, reports come as JSON or CSV."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.staffing.domain.assessment import Grade
from services.staffing.handlers import assessment as cycle
from services.staffing.handlers import assessment_appeals as appeals
from services.staffing.handlers import assessment_reports as reports
from shared import auth
from shared.errors import Forbidden
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import (
    CSV_TOO,
    CsvQuery,
    csv_download,
    require_principal,
    unit_of_work,
    unit_scope,
    wants_csv,
)

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


class ResultOut(Schema):
    hall_code = fields.String()
    year = fields.Integer()
    staff_id = fields.String()
    unit_code = fields.String()
    window_id = fields.Integer(allow_none=True, metadata={"description": "none: chief or deputy"})
    served_days = fields.Integer()
    year_days = fields.Integer()
    served = fields.String()
    total = POINTS
    components = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    proposed_grade = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    changes = fields.List(fields.Dict())


class ResultPage(Schema):
    items = fields.List(fields.Nested(ResultOut))
    next_cursor = fields.String(allow_none=True)


class ResultQuery(PageQuery, CsvQuery):
    hall = HALL
    unit_code = fields.String(load_default=None)
    grade = fields.String(load_default=None, validate=GRADES)


class LineOut(Schema):
    component = fields.String()
    points = fields.Decimal(as_string=True)
    source = fields.String(
        allow_none=True, metadata={"description": "event:<id>, a record, or staff:<id>"}
    )
    note = fields.String()


class _ExplanationOut(Schema):
    """A score line by line: what a staff member's and a window's explanations share."""

    hall_code = fields.String()
    year = fields.Integer()
    scheme_version = fields.Integer()
    total = POINTS
    scored_total = POINTS
    stale = fields.Boolean(metadata={"description": "facts arrived after scoring"})
    components = fields.Dict(keys=fields.String(), values=fields.String())
    lines = fields.List(fields.Nested(LineOut))


class ExplanationOut(_ExplanationOut):
    staff_id = fields.String()


class WindowExplanationOut(_ExplanationOut):
    window_id = fields.Integer()
    unit_code = fields.String()


class GradeIn(Schema):
    grade = fields.String(required=True, validate=GRADES)
    reason = fields.String(required=True)


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


class UnitRowOut(Schema):
    unit_code = fields.String()
    windows = fields.Integer()
    window_average = fields.Decimal(as_string=True)
    weight = fields.Decimal(as_string=True)
    points = fields.Decimal(as_string=True, metadata={"description": "in the unit's target"})
    excellent = fields.Integer()
    competent = fields.Integer()
    basically_competent = fields.Integer()
    incompetent = fields.Integer()


class WindowRowOut(Schema):
    hall_code = fields.String()
    year = fields.Integer()
    window_id = fields.Integer()
    unit_code = fields.String()
    staff_count = fields.Integer()
    total = fields.Decimal(as_string=True)
    components = fields.Dict(keys=fields.String(), values=fields.String())


def _unit() -> str:
    unit = require_principal().unit
    if unit is None:
        raise Forbidden("a unit token names its unit")
    return unit


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
            hall = cycle.inputs.resolve_hall(uow, query["hall"])
            return cycle.cycle_view(uow, cycle.cycle_row(uow, hall, year))


@blp.route("/<int:year>/scoring")
class Scoring(MethodView):
    @auth.roles("center")
    @blp.arguments(HallQuery, location="query")
    @blp.response(200, CycleOut)
    def post(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """Score everyone and propose grades within the quota; again takes in late facts."""
        return cycle.score(unit_of_work(), query["hall"], year)


@blp.route("/<int:year>/finalisation")
class Finalisation(MethodView):
    @auth.roles("center")
    @blp.arguments(HallQuery, location="query")
    @blp.response(200, CycleOut)
    def post(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """Refused while more than the quota are excellent (EQ-3.2.2c); writes the personal
        records (EQ-3.2.2d)."""
        return cycle.finalise(unit_of_work(), query["hall"], year)


@blp.route("/<int:year>/staff")
class Results(MethodView):
    @auth.roles(*READERS)
    @blp.arguments(ResultQuery, location="query")
    @blp.doc(**CSV_TOO)
    @blp.response(200, ResultPage)
    def get(self, query: dict[str, Any], year: int) -> Any:
        """Scores and grades in staff id order; a unit sees its own staff. `?format=csv`."""
        scope = unit_scope() or query["unit_code"]
        if wants_csv():
            rows = reports.staff_results(
                unit_of_work(), query["hall"], year, scope, query["grade"], None, 10**7
            )
            return csv_download(rows, RESULT_COLUMNS, f"assessment-{year}-staff.csv")
        after = decode_cursor(query["cursor"], str)
        rows = reports.staff_results(
            unit_of_work(), query["hall"], year, scope, query["grade"], after, query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["staff_id"])


RESULT_COLUMNS = [
    "hall_code", "year", "staff_id", "unit_code", "window_id", "served", "total",
    "proposed_grade", "grade",
]  # fmt: skip


@blp.route("/<int:year>/staff/<staff_id>")
class ResultById(MethodView):
    @auth.roles(*READERS)
    @blp.arguments(HallQuery, location="query")
    @blp.response(200, ResultOut)
    def get(self, query: dict[str, Any], year: int, staff_id: str) -> dict[str, Any]:
        """A score with its components and every grade change (who, why)."""
        return reports.staff_result(unit_of_work(), query["hall"], year, staff_id, unit_scope())


@blp.route("/<int:year>/staff/<staff_id>/explanation")
class Explanation(MethodView):
    @auth.roles(*READERS)
    @blp.arguments(HallQuery, location="query")
    @blp.response(200, ExplanationOut)
    def get(self, query: dict[str, Any], year: int, staff_id: str) -> dict[str, Any]:
        """The score line by line, each line naming its event or record; they add up."""
        return reports.explanation(unit_of_work(), query["hall"], year, staff_id, unit_scope())


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
        return cycle.calibrate(unit_of_work(), query["hall"], year, staff_id, body)


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


UNIT_COLUMNS = [
    "unit_code", "windows", "window_average", "weight", "points",
    *(g.value for g in Grade),
]  # fmt: skip
WINDOW_COLUMNS = ["window_id", "unit_code", "staff_count", "total", *reports.WINDOW_COMPONENTS]


@blp.route("/<int:year>/reports/units")
class UnitReport(MethodView):
    @auth.roles(*READERS)
    @blp.arguments(HallCsvQuery, location="query")
    @blp.doc(**CSV_TOO)
    @blp.response(200, UnitRowOut(many=True))
    def get(self, query: dict[str, Any], year: int) -> Any:
        """Each unit's windows' average and its points in the unit's target (EQ-3.2.2b)."""
        rows = reports.unit_report(unit_of_work(), query["hall"], year, unit_scope())
        if wants_csv():
            return csv_download(rows, UNIT_COLUMNS, f"assessment-{year}-units.csv")
        return rows


@blp.route("/<int:year>/reports/windows")
class WindowReport(MethodView):
    @auth.roles(*READERS)
    @blp.arguments(HallCsvQuery, location="query")
    @blp.doc(**CSV_TOO)
    @blp.response(200, WindowRowOut(many=True))
    def get(self, query: dict[str, Any], year: int) -> Any:
        """Each window's score and its components."""
        rows = reports.window_report(unit_of_work(), query["hall"], year, unit_scope())
        if wants_csv():
            parts = [
                {**row, **dict.fromkeys(reports.WINDOW_COMPONENTS, "0.00"), **row["components"]}
                for row in rows
            ]
            return csv_download(parts, WINDOW_COLUMNS, f"assessment-{year}-windows.csv")
        return rows


@blp.route("/<int:year>/windows/<int:window_id>/explanation")
class WindowExplanation(MethodView):
    @auth.roles(*READERS)
    @blp.arguments(HallQuery, location="query")
    @blp.response(200, WindowExplanationOut)
    def get(self, query: dict[str, Any], year: int, window_id: int) -> dict[str, Any]:
        """A window's score line by line: its staff's parts of the average, then its own
        sanctions, findings, complaints and evaluations, each naming its source; they add up."""
        hall = query["hall"]
        return reports.window_explanation(unit_of_work(), hall, year, window_id, unit_scope())


@schemes_blp.route("")
class Schemes(MethodView):
    @auth.roles(*READERS)
    @schemes_blp.response(200, SchemeOut(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Every version; version 1 is the built-in defaults (docs/assessment.md)."""
        return cycle.list_schemes(unit_of_work())

    @auth.roles("center")
    @schemes_blp.arguments(SchemeIn)
    @schemes_blp.response(201, SchemeOut)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Publish the next version: the values that differ from the defaults."""
        return cycle.publish_scheme(unit_of_work(), body["values"])
