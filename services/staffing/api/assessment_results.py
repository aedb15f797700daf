"""The assessment's results on `assessment.blp` (EQ-3.2.2a–c): each staff member's and
window's score with the lines that explain it, and the unit and window reports, as JSON or
CSV."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields

from services.staffing.api.assessment import (
    GRADES,
    HALL,
    POINTS,
    READERS,
    HallCsvQuery,
    HallQuery,
    blp,
)
from services.staffing.domain.assessment import Grade
from services.staffing.handlers import assessment_reports as reports
from shared import auth
from shared.csv_reports import CSV_TOO, CsvQuery, csv_download, wants_csv
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import unit_of_work, unit_scope


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
