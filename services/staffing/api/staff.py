"""Staff records (EQ-3.1a), personal data masked but to their own unit and the center."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.staffing.domain.staff import Employment
from services.staffing.handlers import assessment_appeals, staff
from shared import auth
from shared.errors import Forbidden, NotFound
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import reads, require_principal, unit_of_work, unit_scope

blp = Blueprint(
    "staff", __name__, url_prefix="/api/v1/staff", description="Staff sent by units (EQ-3.1a)"
)
READERS = ("authority", "center", "inspector", "unit")


class StaffIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    id_number = fields.String(required=True, metadata={"description": "18-character ID"})
    phone = fields.String(required=True)
    birth_date = fields.Date(required=True)
    # Checked by the domain, so a refusal names EQ-3.1a (a schema OneOf would not).
    employment = fields.String(required=True, metadata={"enum": [e.value for e in Employment]})
    law_enforcement_cert = fields.String(required=True)
    work_started_on = fields.Date(required=True)
    knows_approval_work = fields.Boolean(required=True)
    age_exception_reason = fields.String(load_default="")


class StaffOut(Schema):
    id = fields.String()
    unit_code = fields.String()
    name = fields.String()
    id_number = fields.String(metadata={"description": "masked unless yours to see"})
    phone = fields.String(metadata={"description": "masked unless yours to see"})
    birth_date = fields.Date(allow_none=True)
    employment = fields.String()
    law_enforcement_cert = fields.String()
    work_started_on = fields.Date()
    knows_approval_work = fields.Boolean()
    age_exception_reason = fields.String()
    age_exception_approved_by = fields.String(allow_none=True)
    status = fields.String()
    version = fields.Integer()


class StaffPage(Schema):
    items = fields.List(fields.Nested(StaffOut))
    next_cursor = fields.String(allow_none=True)


class ReasonIn(Schema):
    reason = fields.String(required=True)


def _view(member: Any) -> dict[str, Any]:
    who = require_principal()
    return staff.view(member, who.role, who.unit)


def _unit() -> str:
    unit = require_principal().unit
    if unit is None:
        raise Forbidden("a unit token names its unit")
    return unit


@blp.route("")
class Staff(MethodView):
    @auth.roles("unit")
    @blp.arguments(StaffIn)
    @blp.response(201, StaffOut)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """A unit sends a staff member to the hall (checked against EQ-3.1a)."""
        return _view(staff.register(unit_of_work(), _unit(), body))

    @auth.roles(*READERS)
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, StaffPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Staff in id order; a unit token sees its own unit's."""
        rows = staff.list_staff(
            reads(), unit_scope(), decode_cursor(query["cursor"], str), query["limit"] + 1
        )
        who, limit = require_principal(), query["limit"]
        # Only the page is shown (and audited); the extra row just says that more follow.
        shown = staff.shown(unit_of_work(), rows[:limit], who.role, who.unit)
        return page([*shown, *rows[limit:]], limit, key=lambda row: row["id"])


@blp.route("/<staff_id>")
class StaffById(MethodView):
    @auth.roles(*READERS)
    @blp.response(200, StaffOut)
    def get(self, staff_id: str) -> dict[str, Any]:
        member = staff.get(reads(), staff_id)
        scope = unit_scope()
        if scope is not None and member.unit_code != scope:
            raise NotFound(f"no staff member {staff_id}")
        who = require_principal()
        return staff.shown(unit_of_work(), [member], who.role, who.unit)[0]


@blp.route("/<staff_id>/age-exception")
class AgeException(MethodView):
    @auth.roles("unit")
    @blp.arguments(ReasonIn)
    @blp.response(200, StaffOut)
    def post(self, body: dict[str, Any], staff_id: str) -> dict[str, Any]:
        """The unit records why someone over 45 should be posted (EQ-3.1a)."""
        return _view(staff.request_age_exception(unit_of_work(), staff_id, _unit(), body["reason"]))


@blp.route("/<staff_id>/age-exception/approval")
class AgeExceptionApproval(MethodView):
    @auth.roles("center", rule="EQ-3.1a")
    @blp.response(200, StaffOut)
    def post(self, staff_id: str) -> dict[str, Any]:
        """The center approves the recorded exception (EQ-3.1a): not the unit that asks for it,
        nor anyone else; their 403 names the rule."""
        return _view(staff.approve_age_exception(unit_of_work(), staff_id))


class RecordOut(Schema):
    year = fields.Integer()
    hall_code = fields.String(metadata={"description": "the hall whose cycle graded them"})
    unit_code = fields.String()
    grade = fields.String()
    award_eligible = fields.Boolean(metadata={"description": "false after incompetent"})
    promotion_priority = fields.Boolean(metadata={"description": "true after excellent"})
    note = fields.String()
    recorded_at = fields.DateTime()


@blp.route("/<staff_id>/record")
class PersonalRecord(MethodView):
    @auth.roles(*READERS)
    @blp.response(200, RecordOut(many=True))
    def get(self, staff_id: str) -> list[dict[str, Any]]:
        """The personal record: each year's final grade and what follows (EQ-3.2.2d)."""
        member = staff.get(reads(), staff_id)
        scope = unit_scope()
        if scope is not None and member.unit_code != scope:
            raise NotFound(f"no staff member {staff_id}")
        return assessment_appeals.personal_record(unit_of_work(), staff_id)
