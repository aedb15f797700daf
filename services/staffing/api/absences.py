"""Absences and cover (EQ-3.2.5), rotation and swaps (EQ-3.2.3), forced returns (EQ-3.2.4)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.staffing.domain import rotation as rotation_rules
from services.staffing.handlers import absences, returns, rotation
from shared import auth, clock
from shared.errors import Forbidden
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import require_principal, runtime, unit_of_work, unit_scope

absences_blp = Blueprint(
    "absences",
    __name__,
    url_prefix="/api/v1/absences",
    description="A reports an absence, the chief representative decides, B covers (EQ-3.2.5)",
)
cover_blp = Blueprint(
    "cover", __name__, url_prefix="/api/v1/cover", description="Who is at each post on a day"
)
rotations_blp = Blueprint(
    "rotations",
    __name__,
    url_prefix="/api/v1/rotations",
    description="Rotation after two years and swaps applied for a month ahead (EQ-3.2.3)",
)
returns_blp = Blueprint(
    "returns",
    __name__,
    url_prefix="/api/v1/returns",
    description="Staff returned by the center and the replacement owed (EQ-3.2.4)",
)
READERS = ("authority", "center", "inspector", "unit")
OVERSEERS = ("authority", "center", "unit")


class AbsenceIn(Schema):
    staff_id = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1))
    reported_at = fields.AwareDateTime(
        load_default=None,
        metadata={
            "description": "when A told the chief representative, if before now (a Friday "
            "call entered on Monday); at most 7 days back, never ahead. The notice counts from it"
        },
    )


class AbsenceOut(Schema):
    id = fields.Integer()
    staff_id = fields.String()
    assignment_id = fields.Integer()
    post_id = fields.Integer()
    window_id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    reason = fields.String()
    reported_on = fields.Date()
    late = fields.Boolean(metadata={"description": "less than one working day's notice"})
    status = fields.String()
    decided_by = fields.String(allow_none=True)
    cover_staff_id = fields.String(allow_none=True)


class AbsenceQuery(PageQuery):
    window_id = fields.Integer(load_default=None)
    staff_id = fields.String(load_default=None)
    status = fields.String(
        load_default=None, validate=validate.OneOf(["reported", "approved", "rejected"])
    )


class AbsencePage(Schema):
    items = fields.List(fields.Nested(AbsenceOut))
    next_cursor = fields.String(allow_none=True)


class DecisionIn(Schema):
    chief_staff_id = fields.String(
        required=True, metadata={"description": "the chief representative or the deputy"}
    )


class CoverQuery(Schema):
    window_id = fields.Integer(required=True)
    on = fields.Date(load_default=None, metadata={"description": "default: today"})


class CoverOut(Schema):
    on = fields.Date()
    post_id = fields.Integer()
    post = fields.String()
    window_id = fields.Integer()
    a = fields.String(allow_none=True)
    b = fields.String(allow_none=True)
    a_present = fields.Boolean()
    b_present = fields.Boolean()
    present = fields.String(allow_none=True, metadata={"description": "who is at the post"})
    covering = fields.Boolean(metadata={"description": "B stands in for an absent A"})
    uncovered = fields.Boolean(metadata={"description": "neither A nor B is present"})


class RotationIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["rotation", "swap"]))
    staff_id = fields.String(required=True)
    other_staff_id = fields.String(load_default=None, metadata={"description": "a swap's other"})
    to_post_id = fields.Integer(load_default=None, metadata={"description": "a rotation's post"})
    to_role = fields.String(load_default=None, metadata={"enum": ["A", "B"]})
    effective_on = fields.Date(required=True)
    reason = fields.String(load_default="", metadata={"description": "the written application"})


class RotationOut(RotationIn):
    id = fields.Integer()
    applied_on = fields.Date()
    status = fields.String()
    decided_by = fields.String(allow_none=True)
    decision_note = fields.String()
    carried_out_on = fields.Date(
        allow_none=True, metadata={"description": "when the staff moved; null until then"}
    )


class NoteIn(Schema):
    note = fields.String(load_default="")


class RefusalIn(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1))


class DueQuery(Schema):
    years = fields.Integer(
        load_default=rotation_rules.ROTATION_YEARS, validate=validate.Range(min=1, max=20)
    )


class DueOut(Schema):
    staff_id = fields.String()
    name = fields.String()
    unit_code = fields.String()
    window_id = fields.Integer()
    post_id = fields.Integer()
    post = fields.String()
    role = fields.String()
    starts_on = fields.Date()
    years_on_post = fields.Integer()
    status = fields.String(metadata={"description": "due, or overdue a year past the period"})


class ReturnIn(Schema):
    staff_id = fields.String(required=True)
    reason = fields.String(required=True)
    days = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=60),
        metadata={"description": "working days to name a replacement (default 10)"},
    )


class ReturnOut(Schema):
    id = fields.Integer()
    staff_id = fields.String()
    unit_code = fields.String()
    reason = fields.String()
    returned_on = fields.Date()
    replacement_due_on = fields.Date()
    replacement_staff_id = fields.String(allow_none=True)
    escalated = fields.Boolean()


class ReplacementIn(Schema):
    staff_id = fields.String(required=True)


@absences_blp.route("")
class Absences(MethodView):
    @auth.roles("unit")
    @absences_blp.arguments(AbsenceIn)
    @absences_blp.response(201, AbsenceOut)
    def post(self, body: dict[str, Any]) -> Any:
        """A reports an absence at least one working day ahead; less notice is flagged late."""
        return absences.report(unit_of_work(), _unit(), body, runtime().calendar)

    @auth.roles(*READERS)
    @absences_blp.arguments(AbsenceQuery, location="query")
    @absences_blp.response(200, AbsencePage)
    def get(self, query: dict[str, Any]) -> Any:
        """Absences in id order; a unit token sees its own staff's."""
        after = decode_cursor(query["cursor"], int)
        rows = absences.list_absences(
            unit_of_work(), unit_scope(), query, after, query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@absences_blp.route("/<int:absence_id>")
class AbsenceById(MethodView):
    @auth.roles(*READERS)
    @absences_blp.response(200, AbsenceOut)
    def get(self, absence_id: int) -> Any:
        return absences.get(unit_of_work(), absence_id, unit_scope())


@absences_blp.route("/<int:absence_id>/approval")
class AbsenceApproval(MethodView):
    @auth.roles("unit")
    @absences_blp.arguments(DecisionIn)
    @absences_blp.response(200, AbsenceOut)
    def post(self, body: dict[str, Any], absence_id: int) -> Any:
        """The chief representative (or deputy) approves: B is told to cover (EQ-3.2.5)."""
        return _decide(absence_id, body, approved=True)


@absences_blp.route("/<int:absence_id>/rejection")
class AbsenceRejection(MethodView):
    @auth.roles("unit")
    @absences_blp.arguments(DecisionIn)
    @absences_blp.response(200, AbsenceOut)
    def post(self, body: dict[str, Any], absence_id: int) -> Any:
        return _decide(absence_id, body, approved=False)


def _unit() -> str:
    unit = require_principal().unit
    if unit is None:
        raise Forbidden("a unit token names its unit")
    return unit


def _decide(absence_id: int, body: dict[str, Any], *, approved: bool) -> Any:
    return absences.decide(
        unit_of_work(),
        absence_id,
        unit_scope(),
        body["chief_staff_id"],
        approved,
        runtime().calendar,
    )


@cover_blp.route("")
class CoverRecord(MethodView):
    @auth.roles(*READERS)
    @cover_blp.arguments(CoverQuery, location="query")
    @cover_blp.response(200, CoverOut(many=True))
    def get(self, query: dict[str, Any]) -> Any:
        """Each post of a window on a day: A present, B covering, or uncovered (EQ-3.2.5).
        Holders are today's; approved absences count."""
        on = query["on"] or clock.today()
        return absences.cover_record(unit_of_work(), query["window_id"], unit_scope(), on)


@rotations_blp.route("")
class Rotations(MethodView):
    @auth.roles("unit", "center")
    @rotations_blp.arguments(RotationIn)
    @rotations_blp.response(201, RotationOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Apply for a rotation (after two years on the post) or a swap (in writing, a month
        ahead); the center decides (EQ-3.2.3)."""
        return rotation.apply(unit_of_work(), unit_scope(), body)

    @auth.roles(*OVERSEERS)
    @rotations_blp.response(200, RotationOut(many=True))
    def get(self) -> Any:
        return rotation.list_rotations(unit_of_work(), unit_scope())


@rotations_blp.route("/due")
class RotationsDue(MethodView):
    @auth.roles(*OVERSEERS)
    @rotations_blp.arguments(DueQuery, location="query")
    @rotations_blp.response(200, DueOut(many=True))
    def get(self, query: dict[str, Any]) -> Any:
        """Staff on their post for `years` (default 2, EQ-3.2.3) or more: `due`; a year past
        that: `overdue`. Longest-serving first."""
        return rotation.due(unit_of_work(), unit_scope(), query["years"])


@rotations_blp.route("/<int:rotation_id>/approval")
class RotationApproval(MethodView):
    @auth.roles("center")
    @rotations_blp.arguments(NoteIn)
    @rotations_blp.response(200, RotationOut)
    def post(self, body: dict[str, Any], rotation_id: int) -> Any:
        """The center approves: the old assignments end and the new ones begin."""
        return rotation.decide(unit_of_work(), rotation_id, True, body["note"])


@rotations_blp.route("/<int:rotation_id>/rejection")
class RotationRejection(MethodView):
    @auth.roles("center")
    @rotations_blp.arguments(RefusalIn)
    @rotations_blp.response(200, RotationOut)
    def post(self, body: dict[str, Any], rotation_id: int) -> Any:
        return rotation.decide(unit_of_work(), rotation_id, False, body["note"])


@returns_blp.route("")
class Returns(MethodView):
    @auth.roles("center")
    @returns_blp.arguments(ReturnIn)
    @returns_blp.response(201, ReturnOut)
    def post(self, body: dict[str, Any]) -> Any:
        """The center returns a staff member; the unit names a replacement within `days`
        working days (EQ-3.2.4)."""
        return returns.force_return(unit_of_work(), body, runtime().calendar)

    @auth.roles(*OVERSEERS)
    @returns_blp.response(200, ReturnOut(many=True))
    def get(self) -> Any:
        return returns.list_returns(unit_of_work(), unit_scope())


@returns_blp.route("/<int:return_id>")
class ReturnById(MethodView):
    @auth.roles(*OVERSEERS)
    @returns_blp.response(200, ReturnOut)
    def get(self, return_id: int) -> Any:
        return returns.get(unit_of_work(), return_id, unit_scope())


@returns_blp.route("/<int:return_id>/replacement")
class Replacement(MethodView):
    @auth.roles("unit")
    @returns_blp.arguments(ReplacementIn)
    @returns_blp.response(200, ReturnOut)
    def post(self, body: dict[str, Any], return_id: int) -> Any:
        """The unit names an eligible active staff member of its own (EQ-3.2.4)."""
        return returns.name_replacement(unit_of_work(), return_id, unit_scope(), body["staff_id"])


blueprints: list[Blueprint] = [absences_blp, cover_blp, rotations_blp, returns_blp]
