"""First-inquiry responsibility (EQ-4.4a)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.registry.domain.enquiries import Enquiry
from services.registry.handlers import enquiries
from shared import auth
from shared.errors import Forbidden
from shared.schemas import Schema
from shared.web import require_principal, unit_of_work, unit_scope

blp = Blueprint(
    "enquiries",
    __name__,
    url_prefix="/api/v1/enquiries",
    description="Enquiries owned by the first staff member asked (EQ-4.4a)",
)
Staff = validate.Length(min=1, max=63)


class EnquiryIn(Schema):
    window_id = fields.Integer(required=True)
    question = fields.String(required=True)
    staff_id = fields.String(required=True, validate=Staff)


class HandoverIn(Schema):
    by_staff_id = fields.String(required=True, validate=Staff)
    to_staff_id = fields.String(required=True, validate=Staff)
    reason = fields.String(required=True)


class AnswerIn(Schema):
    by_staff_id = fields.String(required=True, validate=Staff)
    answer = fields.String(required=True)


class HandoverOut(Schema):
    from_staff = fields.String()
    to_staff = fields.String()
    at = fields.DateTime()
    reason = fields.String()


class EnquiryOut(Schema):
    id = fields.Integer()
    window_id = fields.Integer()
    unit_code = fields.String()
    question = fields.String()
    owner = fields.String()
    opened_at = fields.DateTime()
    handovers = fields.List(fields.Nested(HandoverOut))
    answer = fields.String()
    closed_at = fields.DateTime(allow_none=True)


@blp.route("")
class Enquiries(MethodView):
    @auth.roles("unit")
    @blp.arguments(EnquiryIn)
    @blp.response(201, EnquiryOut)
    def post(self, body: dict[str, Any]) -> Enquiry:
        """Record an enquiry; the staff member first asked owns it."""
        unit = require_principal().unit
        if unit is None:
            raise Forbidden("a unit token names its unit")
        return enquiries.open_enquiry(unit_of_work(), unit, body)


@blp.route("/<int:enquiry_id>")
class EnquiryById(MethodView):
    @auth.roles("unit", "center", "authority", "inspector")
    @blp.response(200, EnquiryOut)
    def get(self, enquiry_id: int) -> Enquiry:
        return enquiries.get(unit_of_work(), enquiry_id, unit_scope())


@blp.route("/<int:enquiry_id>/handover")
class EnquiryHandover(MethodView):
    @auth.roles("unit")
    @blp.arguments(HandoverIn)
    @blp.response(200, EnquiryOut)
    def post(self, body: dict[str, Any], enquiry_id: int) -> Enquiry:
        """Only the owner hands it on, saying why (EQ-4.4a)."""
        return enquiries.hand_over(unit_of_work(), enquiry_id, unit_scope(), body)


@blp.route("/<int:enquiry_id>/answer")
class EnquiryAnswer(MethodView):
    @auth.roles("unit")
    @blp.arguments(AnswerIn)
    @blp.response(200, EnquiryOut)
    def post(self, body: dict[str, Any], enquiry_id: int) -> Enquiry:
        return enquiries.answer(unit_of_work(), enquiry_id, unit_scope(), body)
