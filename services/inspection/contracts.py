"""The events inspection publishes.

Declared ahead of the inspection issues (contract first), because registry and staffing already
act on them: a sanction suspends or terminates a window (TJ-8.2), and any finding or sanction is
a violation that bars the unit from setting up a window (TJ-4.3).
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
    basis = fields.String(required=True, metadata={"description": "RULES.md ID, e.g. TJ-8.2"})
    reason = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


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

register(FINDING_RECORDED, SANCTION_IMPOSED, SANCTION_LIFTED)
