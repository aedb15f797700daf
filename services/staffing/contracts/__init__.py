"""The events staffing publishes. Names, never ID numbers or phone numbers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register


class AssignmentV1(Schema):
    staff_id = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "name as published"})
    unit_code = fields.String(required=True)
    window_id = fields.Integer(required=True)
    post = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(["A", "B"]))
    at = fields.AwareDateTime(required=True)


class PostV1(Schema):
    """A post of a window, to be held by an A and a B (EQ-3.2.5)."""

    post_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True, metadata={"description": "the window's unit"})
    name = fields.String(required=True)


class StaffV1(Schema):
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    unit_code = fields.String(required=True)
    status = fields.String(required=True)
    detail = fields.String(load_default="")
    rule = fields.String(load_default="")


class ChiefRepresentativeV1(Schema):
    unit_code = fields.String(required=True)
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    deputy_staff_id = fields.String(allow_none=True, load_default=None)
    starts_on = fields.Date(required=True)
    previous_staff_id = fields.String(allow_none=True, load_default=None)
    reason = fields.String(load_default="")


class OfficeVacatedV1(Schema):
    """The chief representative or the deputy left office before a successor was appointed."""

    unit_code = fields.String(required=True)
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    office = fields.String(required=True, validate=validate.OneOf(["chief", "deputy"]))
    on = fields.Date(required=True)
    reason = fields.String(required=True)


class AbsenceV1(Schema):
    absence_id = fields.Integer(required=True)
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    unit_code = fields.String(required=True)
    window_id = fields.Integer(required=True)
    post_id = fields.Integer(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    late = fields.Boolean(required=True)
    status = fields.String(required=True)
    cover_staff_id = fields.String(allow_none=True, load_default=None)
    cover_name = fields.String(allow_none=True, load_default=None)
    chief_staff_id = fields.String(
        allow_none=True,
        load_default=None,
        metadata={"description": "the unit's chief representative then, who decides (EQ-3.2.5)"},
    )
    deputy_staff_id = fields.String(
        allow_none=True,
        load_default=None,
        metadata={"description": "the deputy then, who decides when the chief is away"},
    )


class PostAlertV1(Schema):
    """A post with neither A nor B present (EQ-3.2.5), or a window's post not covered."""

    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    post_id = fields.Integer(required=True)
    post = fields.String(required=True)
    on = fields.Date(required=True)
    detail = fields.String(required=True)


class RotationV1(Schema):
    rotation_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    staff_id = fields.String(required=True)
    other_staff_id = fields.String(allow_none=True, load_default=None)
    unit_code = fields.String(required=True)
    effective_on = fields.Date(required=True)
    status = fields.String(required=True)


class ReturnV1(Schema):
    return_id = fields.Integer(required=True)
    staff_id = fields.String(required=True)
    name = fields.String(load_default="", metadata={"description": "name as published"})
    unit_code = fields.String(required=True)
    reason = fields.String(required=True)
    replacement_due_on = fields.Date(required=True)
    replacement_staff_id = fields.String(allow_none=True, load_default=None)


class SealV1(Schema):
    """A unit's approval seal, registered to the chief representative (A) and deputy (B)."""

    seal_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    name = fields.String(required=True)
    custodian_a = fields.String(required=True)
    custodian_b = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


class SealUseV1(Schema):
    seal_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    case_number = fields.String(required=True)
    staff_id = fields.String(required=True)
    allowed = fields.Boolean(required=True)
    at = fields.AwareDateTime(required=True)
    purpose = fields.String(load_default="", metadata={"description": "approval, or what else"})
    refusal = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(["not_custodian", "not_approval"]),
        metadata={"description": "why a misuse was refused; null for a use"},
    )


class TrainingV1(Schema):
    training_id = fields.Integer(required=True)
    staff_id = fields.String(required=True)
    unit_code = fields.String(required=True)
    course = fields.String(required=True)
    hours = fields.Integer(required=True)
    held_on = fields.Date(required=True)
    provider = fields.String(load_default="", metadata={"description": "authority, window, unit"})


class AttendanceV1(Schema):
    staff_id = fields.String(required=True)
    unit_code = fields.String(required=True)
    day = fields.Date(required=True)
    status = fields.String(required=True)


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


ASSIGNMENT_MADE = _type(
    "assignment.made", AssignmentV1, "A staff member was posted to a window as A or B (EQ-3.2.5)."
)
ASSIGNMENT_ENDED = _type("assignment.ended", AssignmentV1, "A staff member left a window's post.")
STAFF_REGISTERED = _type("staff.registered", StaffV1, "A unit sent a staff member (EQ-3.1a).")
STAFF_AGE_EXCEPTION_REQUESTED = _type(
    "staff.age_exception_requested",
    StaffV1,
    "A unit recorded why someone over 45 should be posted (EQ-3.1a); the center decides.",
)
STAFF_AGE_EXCEPTION_APPROVED = _type(
    "staff.age_exception_approved", StaffV1, "The center approved posting someone over 45."
)
STAFF_RETURNED = _type(
    "staff.returned",
    ReturnV1,
    "The center returned a staff member (EQ-3.2.4); the unit owes a replacement by the deadline.",
)
REPLACEMENT_NAMED = _type("replacement.named", ReturnV1, "The unit named the replacement.")
REPLACEMENT_OVERDUE = _type(
    "replacement.overdue", ReturnV1, "The replacement deadline passed (EQ-3.2.4): escalated."
)
CHIEF_APPOINTED = _type(
    "chief_representative.appointed",
    ChiefRepresentativeV1,
    "A unit's chief representative took office (EQ-3.1b), or the serving one named a new "
    "deputy (previous_staff_id is then the same; the term runs on from starts_on, EQ-3.2.6).",
)
CHIEF_OFFICE_VACATED = _type(
    "chief_representative.vacated",
    OfficeVacatedV1,
    "The chief representative or deputy was returned (EQ-3.2.4): the office, and the seal's "
    "custody with it (EQ-4.2), is vacant until the unit appoints again.",
)
ABSENCE_REPORTED = _type(
    "absence.reported", AbsenceV1, "A reported an absence to the chief representative (EQ-3.2.5)."
)
ABSENCE_APPROVED = _type(
    "absence.approved", AbsenceV1, "An absence was approved: B is told to cover (EQ-3.2.5)."
)
ABSENCE_REJECTED = _type("absence.rejected", AbsenceV1, "An absence was not approved.")
POST_UNCOVERED = _type(
    "post.uncovered",
    PostAlertV1,
    "Neither A nor B is present at a post, or a post lacks A or B (EQ-3.2.5).",
)
POST_CREATED = _type("post.created", PostV1, "A window has a new post to staff (EQ-3.2.5).")
ROTATION_APPLIED = _type("rotation.applied", RotationV1, "A rotation or swap was applied for.")
ROTATION_DECIDED = _type(
    "rotation.decided", RotationV1, "The center approved or refused a rotation or swap (EQ-3.2.3)."
)
SEAL_REGISTERED = _type(
    "seal.registered",
    SealV1,
    "A unit registered its approval seal into the chief representative's and deputy's keeping "
    "(EQ-4.2).",
)
SEAL_USED = _type("seal.used", SealUseV1, "A custodian used the approval seal (EQ-4.2).")
SEAL_MISUSE_ATTEMPTED = _type(
    "seal.misuse_attempted",
    SealUseV1,
    "A use of the seal was refused and recorded: not a custodian, or not an approval (EQ-4.2).",
)
TRAINING_RECORDED = _type("training.recorded", TrainingV1, "Training recorded (TJ-7.1).")
ATTENDANCE_RECORDED = _type(
    "attendance.recorded", AttendanceV1, "A day's attendance recorded (TJ-7.3)."
)

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
    SCHEME_PUBLISHED, CYCLE_OPENED, CYCLE_SCORED, CYCLE_FINALISED, GRADE_CHANGED, GRADE_RECORDED,
    APPEAL_FILED, APPEAL_DECIDED, UNIT_WEIGHT_SET,
)  # fmt: skip

register(
    ASSIGNMENT_MADE, ASSIGNMENT_ENDED, STAFF_REGISTERED, STAFF_AGE_EXCEPTION_REQUESTED,
    STAFF_AGE_EXCEPTION_APPROVED, STAFF_RETURNED, REPLACEMENT_NAMED, REPLACEMENT_OVERDUE,
    CHIEF_APPOINTED, CHIEF_OFFICE_VACATED, POST_CREATED, ABSENCE_REPORTED,
    ABSENCE_APPROVED, ABSENCE_REJECTED, POST_UNCOVERED, ROTATION_APPLIED, ROTATION_DECIDED,
    SEAL_REGISTERED, SEAL_USED, SEAL_MISUSE_ATTEMPTED, TRAINING_RECORDED, ATTENDANCE_RECORDED,
)  # fmt: skip
