"""The events of bad-review rectification, appeals and monthly rankings (TJ-7.5).

The evaluations themselves are `evaluation.submitted.v1` and `evaluation.voided.v1`, declared
first: staffing consumes them. No event carries the applicant's name or phone: they stay in
inspection, shown only to the evaluated unit and the center.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register

EVALUATION_LEVELS = [
    "very_satisfied",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "very_dissatisfied",
]


class EvaluationV1(Schema):
    """One 好差评 evaluation of a case (TJ-7.5); the two lowest levels are bad reviews."""

    evaluation_id = fields.Integer(required=True)
    case_id = fields.Integer(allow_none=True, load_default=None)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    staff_id = fields.String(
        allow_none=True, load_default=None, metadata={"description": "who handled the case"}
    )
    level = fields.String(required=True, validate=validate.OneOf(EVALUATION_LEVELS))
    score = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=5),
        metadata={"description": "5 very satisfied … 1 very dissatisfied"},
    )
    source = fields.String(required=True, validate=validate.OneOf(["public", "unit"]))
    submitted_at = fields.AwareDateTime(required=True)


EVALUATION_SUBMITTED = EventType(
    "govhall.inspection.evaluation.submitted.v1",
    EvaluationV1,
    "The public, or the unit, evaluated a case or a window (TJ-7.5).",
)

EVALUATION_VOIDED = EventType(
    "govhall.inspection.evaluation.voided.v1",
    EvaluationV1,
    "A bad review the unit showed to be wrong or malicious was withdrawn on appeal (TJ-7.5).",
)

register(EVALUATION_SUBMITTED, EVALUATION_VOIDED)

TASK_STATUSES = ["open", "reported", "closed", "withdrawn"]


class RectificationV1(Schema):
    rectification_id = fields.Integer(required=True)
    evaluation_id = fields.Integer(required=True)
    case_id = fields.Integer(allow_none=True, load_default=None)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    level = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    due_on = fields.Date(required=True, metadata={"description": "in working days (TJ-7.5)"})
    called_back = fields.Boolean(required=True)
    note = fields.String(load_default="", metadata={"description": "the center's, or why"})
    at = fields.AwareDateTime(required=True)


class AppealV1(Schema):
    appeal_id = fields.Integer(required=True)
    evaluation_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    grounds = fields.String(required=True, validate=validate.OneOf(["wrong", "malicious"]))
    status = fields.String(
        required=True, validate=validate.OneOf(["pending", "upheld", "dismissed"])
    )
    at = fields.AwareDateTime(required=True)


class RankingEntryV1(Schema):
    rank = fields.Integer(required=True, metadata={"description": "shared by exact ties"})
    position = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    mean_score = fields.Decimal(
        required=True, allow_none=True, as_string=True, metadata={"description": "1..5, 2 places"}
    )
    evaluations = fields.Integer(required=True)
    bad_reviews = fields.Integer(required=True)
    upheld_complaints = fields.Integer(required=True)


class RankingV1(Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    windows = fields.Integer(required=True)
    entries = fields.List(fields.Nested(RankingEntryV1), required=True)
    published_at = fields.AwareDateTime(required=True)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.inspection.{name}.v1", schema, description)


RECTIFICATION_OPENED = _type(
    "rectification.opened",
    RectificationV1,
    "A bad review opened a rectification task for the unit, due in working days (TJ-7.5).",
)
RECTIFICATION_CALLED_BACK = _type(
    "rectification.called_back",
    RectificationV1,
    "The unit recorded its callback to the applicant who gave the bad review (TJ-7.5).",
)
RECTIFICATION_REPORTED = _type(
    "rectification.reported",
    RectificationV1,
    "The unit reported the rectification; the center reviews it (TJ-7.5).",
)
RECTIFICATION_REOPENED = _type(
    "rectification.reopened",
    RectificationV1,
    "The center found the rectification not enough and reopened the task (TJ-7.5).",
)
RECTIFICATION_CLOSED = _type(
    "rectification.closed",
    RectificationV1,
    "The task ended: the center accepted the rectification (`closed`), or the review was "
    "voided on appeal (`withdrawn`).",
)
RECTIFICATION_OVERDUE = _type(
    "rectification.overdue",
    RectificationV1,
    "The rectification deadline passed with no report; raised once per task (TJ-7.5).",
)
APPEAL_FILED = _type(
    "evaluation_appeal.filed",
    AppealV1,
    "The unit appealed a bad review as wrong or malicious; the center decides (TJ-7.5).",
)
APPEAL_DECIDED = _type(
    "evaluation_appeal.decided",
    AppealV1,
    "The center upheld (the review is voided) or dismissed an appeal (TJ-7.5).",
)
RANKING_PUBLISHED = _type(
    "ranking.published",
    RankingV1,
    "A month's ranking of the windows by the public's evaluations and upheld complaints.",
)

register(
    RECTIFICATION_OPENED,
    RECTIFICATION_CALLED_BACK,
    RECTIFICATION_REPORTED,
    RECTIFICATION_REOPENED,
    RECTIFICATION_CLOSED,
    RECTIFICATION_OVERDUE,
    APPEAL_FILED,
    APPEAL_DECIDED,
    RANKING_PUBLISHED,
)
