"""The events of local rules, sanction proposals and accountability cases (issue 8 points 3, 4,
6, 8). A proposal decided for is followed by the sanctions area's `sanction.imposed.v1`; an
accountability case concluded against a staff member is also a `sanction.imposed.v1` of kind
"accountability" (services.inspection.contracts), for registry (TJ-4.3)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.inspection.contracts.complaints import MISCONDUCT
from shared.events import EventType, register

PROPOSABLE = ["interview", "rectification", "suspension", "termination"]
OUTCOMES = ["no_fault", "criticism", "warning", "demerit", "dismissal_recommended"]


class LocalRuleV1(Schema):
    rule_id = fields.String(required=True, metadata={"description": "e.g. LR-COMPLAINTS-30D"})
    version = fields.Integer(required=True, metadata={"description": "1 when created"})
    trigger = fields.String(required=True)
    params = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    proposes = fields.String(required=True, validate=validate.OneOf(PROPOSABLE))
    basis = fields.String(required=True, metadata={"description": "TJ-8.1 or TJ-8.2"})
    active = fields.Boolean(required=True)
    description = fields.String(required=True)
    note = fields.String(required=True)
    changed_by = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True)


class SanctionProposedV1(Schema):
    proposal_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PROPOSABLE))
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    basis = fields.String(
        required=True, metadata={"description": "the rule applied (docs/rules.md): TJ-8.2"}
    )
    reason = fields.String(required=True)
    rule_id = fields.String(allow_none=True, load_default=None)
    rule_version = fields.Integer(allow_none=True, load_default=None)
    findings = fields.List(fields.Integer(), required=True)
    complaints = fields.List(fields.Integer(), required=True)
    facts = fields.Dict(load_default=dict, metadata={"description": "months, order_id, due_on"})
    proposed_at = fields.AwareDateTime(required=True)


class ProposalSettledV1(Schema):
    proposal_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PROPOSABLE))
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["accepted", "declined"]))
    sanction_id = fields.Integer(allow_none=True, load_default=None)
    decided_by = fields.String(required=True)
    note = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)


class AccountabilityV1(Schema):
    case_id = fields.Integer(required=True)
    staff_id = fields.String(required=True)
    unit_code = fields.String(required=True)
    window_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(MISCONDUCT))
    findings = fields.List(fields.Integer(), required=True)
    complaints = fields.List(fields.Integer(), required=True)
    district = fields.String(required=True)


class AccountabilityOpenedV1(AccountabilityV1):
    district_office = fields.String(required=True)
    district_contact = fields.String(required=True)
    opened_at = fields.AwareDateTime(required=True)


class DistrictOpinionV1(AccountabilityV1):
    given_by = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)


class AccountabilityConcludedV1(AccountabilityV1):
    """The assessment input for the staff member (EQ-3.2.2a): the latest outcome of a case
    stands; a correction names the outcome it replaces."""

    outcome_id = fields.Integer(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    rule = fields.String(
        load_default="TJ-8.3", metadata={"description": "the rule applied (docs/rules.md): TJ-8.3"}
    )
    concluded_at = fields.AwareDateTime(required=True)
    corrects_outcome_id = fields.Integer(allow_none=True, load_default=None)
    previous_outcome = fields.String(allow_none=True, load_default=None)


LOCAL_RULE_CHANGED = EventType(
    "govhall.inspection.local_rule.changed.v1",
    LocalRuleV1,
    "The authority created a local rule or made a new version of one (issue 8 point 8).",
)
SANCTION_PROPOSED = EventType(
    "govhall.inspection.sanction.proposed.v1",
    SanctionProposedV1,
    "A local rule's threshold was crossed: a sanction is proposed for the authority to decide "
    "(TJ-8.1, TJ-8.2).",
)
PROPOSAL_SETTLED = EventType(
    "govhall.inspection.proposal.settled.v1",
    ProposalSettledV1,
    "The authority decided a proposed sanction: imposed it, or declined it with a note.",
)
ACCOUNTABILITY_OPENED = EventType(
    "govhall.inspection.accountability.opened.v1",
    AccountabilityOpenedV1,
    "An accountability case was opened against a staff member with the district (TJ-8.3).",
)
DISTRICT_OPINION_RECORDED = EventType(
    "govhall.inspection.accountability.district_opinion_recorded.v1",
    DistrictOpinionV1,
    "The district's opinion on an accountability case was recorded (TJ-8.3).",
)
ACCOUNTABILITY_CONCLUDED = EventType(
    "govhall.inspection.accountability.concluded.v1",
    AccountabilityConcludedV1,
    "An accountability case was concluded, or its outcome corrected, against a staff member "
    "(TJ-8.3): an input to the staff member's annual assessment.",
)

register(
    LOCAL_RULE_CHANGED,
    SANCTION_PROPOSED,
    PROPOSAL_SETTLED,
    ACCOUNTABILITY_OPENED,
    DISTRICT_OPINION_RECORDED,
    ACCOUNTABILITY_CONCLUDED,
)
