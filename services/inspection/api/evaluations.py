"""Satisfaction evaluations (TJ-7.5): the public's, the unit's of its windows, and appeals of bad
reviews; the rectification of a bad review and the monthly ranking are in bad_reviews.py and
rankings.py."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.inspection.contracts.evaluations import EVALUATION_LEVELS
from services.inspection.domain.evaluations import AppealStatus, Grounds, Source
from services.inspection.handlers import bad_reviews
from services.inspection.handlers import evaluations as handlers
from shared import auth, limits
from shared.errors import Forbidden
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import (
    require_principal,
    runtime,
    unit_of_work,
    unit_scope,
)

evaluations_blp = Blueprint(
    "evaluations",
    __name__,
    url_prefix="/api/v1/evaluations",
    description="The public's 好差评 of a case, and appeals of bad reviews (TJ-7.5)",
)


window_evaluations_blp = Blueprint(
    "window_evaluations",
    __name__,
    url_prefix="/api/v1/window-evaluations",
    description="The unit's evaluation of its own windows (TJ-7.5)",
)


READERS = ("authority", "center", "inspector", "unit")


# What a rule of TJ-7.5 decides (the five levels, the grounds of an appeal, a blank reason) is
# refused by the domain, naming the field and the rule; the schemas bound the lengths.
LEVEL = fields.String(
    required=True,
    metadata={"description": "the two lowest are bad reviews", "enum": EVALUATION_LEVELS},
)


TEXT = fields.String(load_default="", validate=validate.Length(max=2000))


MONTH = {"description": "YYYY-MM"}


CONTACT = {"description": "in full to the evaluated unit and the center (the read is logged)"}


class EvaluationIn(Schema):
    receipt_number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    query_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    level = LEVEL
    text = TEXT
    applicant_name = fields.String(
        load_default=None,
        validate=validate.Length(max=100),
        metadata={"description": "required for a bad review: you will be called back"},
    )
    applicant_phone = fields.String(
        load_default=None,
        validate=validate.Length(max=20),
        metadata={"description": "required for a bad review: you will be called back"},
    )


class EvaluationReceipt(Schema):
    """What the public is told back: never who handled the case, the contact masked."""

    reply = True

    id = fields.Integer()
    level = fields.String()
    score = fields.Integer()
    bad = fields.Boolean()
    text = fields.String()
    submitted_at = fields.DateTime()
    applicant_name = fields.String(allow_none=True)
    applicant_phone = fields.String(allow_none=True)
    callback_due_on = fields.Date(
        allow_none=True,
        metadata={
            "description": "a bad review of a case done (delivered or refused): the unit calls "
            "back by then; null otherwise, a bad review of a case in progress opening no task"
        },
    )


class EvaluationOut(Schema):
    id = fields.Integer()
    source = fields.String(metadata={"description": ", ".join(Source)})
    case_id = fields.Integer(allow_none=True)
    period = fields.String(allow_none=True, metadata={"description": "a unit's: the month"})
    window_id = fields.Integer()
    unit_code = fields.String()
    staff_id = fields.String(allow_none=True, metadata={"description": "who accepted the case"})
    level = fields.String()
    score = fields.Integer(metadata={"description": "5 very satisfied … 1 very dissatisfied"})
    text = fields.String()
    bad = fields.Boolean()
    submitted_at = fields.DateTime()
    submitted_on = fields.Date()
    voided = fields.Boolean(metadata={"description": "withdrawn on an upheld appeal"})
    voided_at = fields.DateTime(allow_none=True)
    applicant_name = fields.String(allow_none=True, metadata=CONTACT)
    applicant_phone = fields.String(allow_none=True, metadata=CONTACT)
    contact_shown = fields.String(metadata={"description": "full, masked or none"})


class EvaluationPage(Schema):
    items = fields.List(fields.Nested(EvaluationOut))
    next_cursor = fields.String(allow_none=True)


class EvaluationQuery(PageQuery):
    window_id = fields.Integer(load_default=None)
    unit_code = fields.String(load_default=None)
    level = fields.String(load_default=None, validate=validate.OneOf(EVALUATION_LEVELS))
    source = fields.String(load_default=None, validate=validate.OneOf(list(Source)))
    bad = fields.Boolean(load_default=None)
    month = fields.String(load_default=None, metadata=MONTH)


class WindowEvaluationIn(Schema):
    window_id = fields.Integer(required=True)
    period = fields.String(required=True, metadata=MONTH)
    level = LEVEL
    text = TEXT


class EvaluationAppealIn(Schema):
    grounds = fields.String(required=True, metadata={"enum": [g.value for g in Grounds]})
    reason = fields.String(required=True, validate=validate.Length(max=2000))
    evidence_note = fields.String(load_default="", validate=validate.Length(max=2000))


class EvaluationAppealOut(EvaluationAppealIn):
    id = fields.Integer()
    evaluation_id = fields.Integer()
    unit_code = fields.String()
    filed_by = fields.String()
    filed_at = fields.DateTime()
    status = fields.String(metadata={"description": ", ".join(AppealStatus)})
    decided_by = fields.String(allow_none=True)
    decision_note = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class EvaluationAppealDecisionIn(Schema):
    upheld = fields.Boolean(required=True, metadata={"description": "true voids the review"})
    note = fields.String(required=True, validate=validate.Length(max=2000))


def before_id(cursor: str | None) -> int | None:
    before: int | None = decode_cursor(cursor, int)
    return before


def callers_unit() -> str:
    unit = require_principal().unit
    if unit is None:
        raise Forbidden("a unit token names its unit")
    return unit


@evaluations_blp.route("")
class Evaluations(MethodView):
    @limits.public("evaluations", receipt=("json", "receipt_number"), lockout=True)
    @auth.public
    @evaluations_blp.arguments(EvaluationIn)
    @evaluations_blp.response(201, EvaluationReceipt)
    def post(self, body: dict[str, Any]) -> Any:
        """Evaluate a case with its receipt number and query code, once (TJ-7.5). A bad review
        (the two lowest levels) names the applicant and a phone: the unit calls back by
        `callback_due_on`. A wrong receipt number or code is the same 404."""
        return handlers.submit(unit_of_work(), body, runtime().calendar)

    @auth.roles(*READERS)
    @evaluations_blp.arguments(EvaluationQuery, location="query")
    @evaluations_blp.response(200, EvaluationPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Evaluations, newest first, the contact masked; a unit sees its own."""
        rows = handlers.list_evaluations(
            unit_of_work(), unit_scope(), query, before_id(query["cursor"]), query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@evaluations_blp.route("/<int:evaluation_id>")
class EvaluationById(MethodView):
    @auth.roles(*READERS)
    @evaluations_blp.response(200, EvaluationOut)
    def get(self, evaluation_id: int) -> Any:
        """One evaluation; the applicant's contact in full to the unit and the center, logged."""
        return handlers.get(unit_of_work(), evaluation_id, require_principal(), unit_scope())


@evaluations_blp.route("/<int:evaluation_id>/appeal")
class Appeal(MethodView):
    @auth.roles("unit")
    @evaluations_blp.arguments(EvaluationAppealIn)
    @evaluations_blp.response(201, EvaluationAppealOut)
    def post(self, body: dict[str, Any], evaluation_id: int) -> Any:
        """The unit appeals its bad review as wrong or malicious, once (TJ-7.5)."""
        actor = require_principal().actor
        return bad_reviews.appeal(unit_of_work(), evaluation_id, callers_unit(), body, actor)

    @auth.roles(*READERS)
    @evaluations_blp.response(200, EvaluationAppealOut)
    def get(self, evaluation_id: int) -> Any:
        return bad_reviews.get_appeal(unit_of_work(), evaluation_id, unit_scope())


@evaluations_blp.route("/<int:evaluation_id>/appeal/decision")
class AppealDecision(MethodView):
    @auth.roles("center")
    @evaluations_blp.arguments(EvaluationAppealDecisionIn)
    @evaluations_blp.response(200, EvaluationAppealOut)
    def post(self, body: dict[str, Any], evaluation_id: int) -> Any:
        """Upheld: the review is voided (staffing drops it) and its task withdrawn."""
        actor = require_principal().actor
        return bad_reviews.decide_appeal(unit_of_work(), evaluation_id, body, actor)


@window_evaluations_blp.route("")
class WindowEvaluations(MethodView):
    @auth.roles("unit")
    @window_evaluations_blp.arguments(WindowEvaluationIn)
    @window_evaluations_blp.response(201, EvaluationOut)
    def post(self, body: dict[str, Any]) -> Any:
        """The unit evaluates one of its own windows for a month, once (TJ-7.5)."""
        actor = require_principal().actor
        return handlers.submit_for_window(unit_of_work(), callers_unit(), body, actor)


blueprints: list[Blueprint] = [evaluations_blp, window_evaluations_blp]
