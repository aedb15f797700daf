"""A bad review's rectification (TJ-7.5): the unit calls the applicant back, reports what it
put right, and the center reviews it."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.inspection.api.evaluations import CONTACT, READERS, before_id, callers_unit
from services.inspection.domain.evaluations import TaskStatus
from services.inspection.handlers import bad_reviews
from shared import auth
from shared.pagination import PageQuery, page
from shared.schemas import Schema
from shared.web import (
    require_principal,
    unit_of_work,
    unit_scope,
)

rectifications_blp = Blueprint(
    "rectifications",
    __name__,
    url_prefix="/api/v1/rectifications",
    description="A bad review's rectification: callback, report, the center's review (TJ-7.5)",
)


class BadReviewCallbackIn(Schema):
    called_at = fields.AwareDateTime(required=True)
    by = fields.String(required=True, validate=validate.Length(max=100))
    outcome = fields.String(
        required=True,
        validate=validate.Length(max=2000),
        metadata={"description": "what the applicant said, or that nobody answered"},
    )


class BadReviewCallbackOut(Schema):
    called_at = fields.DateTime()
    by = fields.String()
    outcome = fields.String()


class BadReviewReportIn(Schema):
    summary = fields.String(required=True, validate=validate.Length(max=5000))


class BadReviewReviewIn(Schema):
    accepted = fields.Boolean(required=True, metadata={"description": "false reopens the task"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class BadReviewTaskOut(Schema):
    id = fields.Integer()
    evaluation_id = fields.Integer()
    case_id = fields.Integer(allow_none=True)
    window_id = fields.Integer()
    unit_code = fields.String()
    level = fields.String()
    text = fields.String()
    status = fields.String(metadata={"description": ", ".join(TaskStatus)})
    opened_at = fields.DateTime()
    due_on = fields.Date(metadata={"description": "working days after the review (TJ-7.5)"})
    overdue = fields.Boolean()
    overdue_at = fields.DateTime(allow_none=True)
    applicant_name = fields.String(allow_none=True, metadata=CONTACT)
    applicant_phone = fields.String(allow_none=True, metadata=CONTACT)
    contact_shown = fields.String()
    callback = fields.Nested(BadReviewCallbackOut, allow_none=True)
    summary = fields.String()
    reported_at = fields.DateTime(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    review_note = fields.String()
    reopened = fields.Integer(metadata={"description": "times the center sent it back"})
    closed_at = fields.DateTime(allow_none=True)


class BadReviewTaskPage(Schema):
    items = fields.List(fields.Nested(BadReviewTaskOut))
    next_cursor = fields.String(allow_none=True)


class BadReviewTaskQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(list(TaskStatus)))
    unit_code = fields.String(load_default=None)
    window_id = fields.Integer(load_default=None)
    overdue = fields.Boolean(load_default=None)


@rectifications_blp.route("")
class Rectifications(MethodView):
    @auth.roles(*READERS)
    @rectifications_blp.arguments(BadReviewTaskQuery, location="query")
    @rectifications_blp.response(200, BadReviewTaskPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Rectification tasks, newest first, the contact masked; a unit sees its own."""
        rows = bad_reviews.list_tasks(
            unit_of_work(), unit_scope(), query, before_id(query["cursor"]), query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@rectifications_blp.route("/<int:task_id>")
class RectificationById(MethodView):
    @auth.roles(*READERS)
    @rectifications_blp.response(200, BadReviewTaskOut)
    def get(self, task_id: int) -> Any:
        """One task; the applicant to call back in full to the unit and the center, logged."""
        return bad_reviews.get_task(unit_of_work(), task_id, require_principal(), unit_scope())


@rectifications_blp.route("/<int:task_id>/callback")
class Callback(MethodView):
    @auth.roles("unit")
    @rectifications_blp.arguments(BadReviewCallbackIn)
    @rectifications_blp.response(200, BadReviewTaskOut)
    def post(self, body: dict[str, Any], task_id: int) -> Any:
        """Record the callback to the applicant: required before reporting (TJ-7.5)."""
        actor = require_principal().actor
        return bad_reviews.record_callback(unit_of_work(), task_id, callers_unit(), body, actor)


@rectifications_blp.route("/<int:task_id>/report")
class Report(MethodView):
    @auth.roles("unit")
    @rectifications_blp.arguments(BadReviewReportIn)
    @rectifications_blp.response(200, BadReviewTaskOut)
    def post(self, body: dict[str, Any], task_id: int) -> Any:
        """Report what was rectified; refused before the callback (TJ-7.5)."""
        return bad_reviews.report(unit_of_work(), task_id, callers_unit(), body["summary"])


@rectifications_blp.route("/<int:task_id>/review")
class Review(MethodView):
    @auth.roles("center")
    @rectifications_blp.arguments(BadReviewReviewIn)
    @rectifications_blp.response(200, BadReviewTaskOut)
    def post(self, body: dict[str, Any], task_id: int) -> Any:
        """Close the task, or reopen it with a note saying why."""
        actor = require_principal().actor
        return bad_reviews.review(unit_of_work(), task_id, body, actor)


blueprints: list[Blueprint] = [rectifications_blp]
