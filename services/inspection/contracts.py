"""The events inspection publishes.

Declared ahead of the inspection issues (contract first), because registry and staffing already
act on them: a sanction suspends or terminates a window (TJ-8.2), any finding or sanction is a
violation that bars the unit from setting up a window (TJ-4.3), and evaluations, upheld
complaints, findings and sanctions are inputs to the annual assessment (EQ-3.2.2a).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register

SANCTION_KINDS = ["interview", "rectification", "suspension", "termination", "accountability"]


class FindingV1(Schema):
    finding_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    case_id = fields.Integer(allow_none=True, load_default=None)
    staff_id = fields.String(allow_none=True, load_default=None)
    severity = fields.String(required=True, validate=validate.OneOf(["minor", "major", "serious"]))
    rule = fields.String(required=True, metadata={"description": "the rule breached"})
    summary = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)


class SanctionV1(Schema):
    sanction_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(SANCTION_KINDS))
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    basis = fields.String(
        required=True, metadata={"description": "the rule applied (docs/rules.md): TJ-8.2"}
    )
    reason = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    district = fields.String(
        load_default="",
        metadata={"description": "the unit's district: told of a notice and order (TJ-8.1)"},
    )
    findings = fields.List(
        fields.Integer(), load_default=list, metadata={"description": "the findings it rests on"}
    )
    complaints = fields.List(
        fields.Integer(), load_default=list, metadata={"description": "the complaints it rests on"}
    )
    decided_by = fields.String(load_default="", metadata={"description": "who decided"})
    case_id = fields.Integer(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "kind accountability: the accountability case (TJ-8.3), whose id is "
            "also the sanction_id. Cases are numbered apart from the ladder's sanctions: key "
            "them as `accountability:<case_id>`, never together with ladder sanction ids"
        },
    )


EVALUATION_LEVELS = [
    "very_satisfied",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "very_dissatisfied",
]
MISCONDUCT = ["buck_passing", "soliciting_favours", "abuse_of_power"]  # TJ-8.3


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


class ComplaintV1(Schema):
    """A complaint or report about a window or a staff member, verified and upheld."""

    complaint_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    staff_id = fields.String(allow_none=True, load_default=None)
    misconduct = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(MISCONDUCT)
    )
    summary = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)


FINDING_RECORDED = EventType(
    "govhall.inspection.finding.recorded.v1",
    FindingV1,
    "An inspection, spot check or guidance visit recorded a finding (TJ-7.2, TJ-7.4).",
)
SANCTION_IMPOSED = EventType(
    "govhall.inspection.sanction.imposed.v1",
    SanctionV1,
    "The authority imposed a sanction on a window (TJ-8.1, TJ-8.2).",
)
SANCTION_LIFTED = EventType(
    "govhall.inspection.sanction.lifted.v1",
    SanctionV1,
    "A sanction was lifted after verified rectification.",
)

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
COMPLAINT_UPHELD = EventType(
    "govhall.inspection.complaint.upheld.v1",
    ComplaintV1,
    "A complaint about a window or staff member was verified and upheld.",
)

register(
    FINDING_RECORDED,
    SANCTION_IMPOSED,
    SANCTION_LIFTED,
    EVALUATION_SUBMITTED,
    EVALUATION_VOIDED,
    COMPLAINT_UPHELD,
)

# Each area's events live in their own module; importing them here registers them wherever
# inspection's contracts are known (the catalog, the app).
from services.inspection import (  # noqa: E402, F401
    contracts_complaints,
    contracts_draws,
    contracts_evaluations,
    contracts_findings,
    contracts_proposals,
    contracts_sanctions,
)
