"""Delegation agreements after signing: assessment and renewal (TJ-5.5)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.registry.api.schemas import AgreementOut, AssessmentSchema
from services.registry.domain.agreements import Agreement
from services.registry.handlers import agreements
from shared import auth
from shared.web import unit_of_work, unit_scope

blp = Blueprint(
    "agreements",
    __name__,
    url_prefix="/api/v1/agreements",
    description="Delegation agreements (TJ-5.5)",
)


@blp.route("/<int:agreement_id>")
class AgreementById(MethodView):
    @auth.roles("authority", "center", "inspector", "unit")
    @blp.response(200, AgreementOut)
    def get(self, agreement_id: int) -> Agreement:
        return agreements.get(unit_of_work(), agreement_id, unit=unit_scope())


@blp.route("/<int:agreement_id>/assessment")
class AgreementAssessment(MethodView):
    @auth.roles("authority")
    @blp.arguments(AssessmentSchema)
    @blp.response(200, AgreementOut)
    def post(self, body: dict[str, Any], agreement_id: int) -> Agreement:
        """Record the comprehensive assessment a renewal needs (TJ-5.5)."""
        return agreements.record_assessment(unit_of_work(), agreement_id, body)


@blp.route("/<int:agreement_id>/renewal")
class AgreementRenewal(MethodView):
    @auth.roles("authority")
    @blp.response(201, AgreementOut)
    def post(self, agreement_id: int) -> Agreement:
        """Renew for 3 years, at expiry, after a passed assessment (TJ-5.5)."""
        return agreements.renew(unit_of_work(), agreement_id)
