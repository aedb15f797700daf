"""The annual assessment (EQ-3.2.2a–d): schemes, a hall's cycle, grades, appeals and the
units' weights.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register

GRADES = ["excellent", "competent", "basically_competent", "incompetent"]


class CycleV1(Schema):
    """An assessment cycle's state, with the quota (EQ-3.2.2c) once scored."""

    hall_code = fields.String(
        load_default="", metadata={"description": "the hall whose cycle it is (EQ-3.2.2a)"}
    )
    year = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["open", "scored", "finalised"]))
    scheme_version = fields.Integer(required=True)
    assessed = fields.Integer(required=True)
    quota = fields.Integer(load_default=None, allow_none=True)
    grades = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        load_default=dict,
        metadata={"description": "how many staff hold each grade"},
    )


class GradeV1(Schema):
    """A staff member's grade: changed (calibration, appeal) or recorded (EQ-3.2.2d)."""

    hall_code = fields.String(
        load_default="", metadata={"description": "the hall whose cycle it is (EQ-3.2.2a)"}
    )
    year = fields.Integer(required=True)
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    unit_code = fields.String(required=True)
    grade = fields.String(required=True, validate=validate.OneOf(GRADES))
    before = fields.String(allow_none=True, load_default=None)
    kind = fields.String(load_default="", metadata={"description": "calibration or appeal"})
    reason = fields.String(load_default="")
    award_eligible = fields.Boolean(load_default=True)
    promotion_priority = fields.Boolean(load_default=False)
    rule = fields.String(load_default="EQ-3.2.2c")


class AppealV1(Schema):
    hall_code = fields.String(
        load_default="", metadata={"description": "the hall whose cycle it is (EQ-3.2.2a)"}
    )
    appeal_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    staff_id = fields.String(required=True)
    unit_code = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["pending", "upheld", "dismissed"])
    )
    grade = fields.String(required=True, validate=validate.OneOf(GRADES))
    reason = fields.String(required=True)


class UnitWeightV1(Schema):
    hall_code = fields.String(
        load_default="", metadata={"description": "the hall whose cycle it is (EQ-3.2.2a)"}
    )
    year = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    weight = fields.String(required=True, metadata={"description": "decimal, at least 0.05"})


class SchemeV1(Schema):
    version = fields.Integer(required=True)
    values = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.staffing.{name}.v1", schema, description)


SCHEME_PUBLISHED = _type(
    "assessment.scheme_published", SchemeV1, "The center published a scoring scheme version."
)
CYCLE_OPENED = _type(
    "assessment.opened", CycleV1, "The center opened a year's assessment (EQ-3.2.2a)."
)
CYCLE_SCORED = _type(
    "assessment.scored", CycleV1, "Scores and proposed grades are in; calibration may begin."
)
CYCLE_FINALISED = _type(
    "assessment.finalised", CycleV1, "The year's grades are final within the quota (EQ-3.2.2c)."
)
GRADE_CHANGED = _type(
    "assessment.grade_changed", GradeV1, "The center changed a grade, with the reason."
)
GRADE_RECORDED = _type(
    "assessment.grade_recorded",
    GradeV1,
    "A final grade went on the personal record with its consequence (EQ-3.2.2d): the home unit "
    "is told of excellent (promotion priority) and incompetent (no award this year).",
)
APPEAL_FILED = _type("assessment.appeal_filed", AppealV1, "A unit appealed a staff grade.")
APPEAL_DECIDED = _type(
    "assessment.appeal_decided", AppealV1, "The center upheld or dismissed an appeal."
)
UNIT_WEIGHT_SET = _type(
    "assessment.unit_weight_set",
    UnitWeightV1,
    "The weight of a unit's windows in its annual target, at least 5% (EQ-3.2.2b).",
)

register(
    SCHEME_PUBLISHED,
    CYCLE_OPENED,
    CYCLE_SCORED,
    CYCLE_FINALISED,
    GRADE_CHANGED,
    GRADE_RECORDED,
    APPEAL_FILED,
    APPEAL_DECIDED,
    UNIT_WEIGHT_SET,
)
