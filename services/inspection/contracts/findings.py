"""The findings area's events: `finding.recorded.v1` (declared first, for registry and
staffing, which consume it), then guidance visits (TJ-7.2), evidence, withdrawal, and the
rectification ordered by a deadline (TJ-8.1) — reported, accepted, rejected or overdue — which
the sanctions (TJ-8.2) build on."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register


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


FINDING_RECORDED = EventType(
    "govhall.inspection.finding.recorded.v1",
    FindingV1,
    "An inspection, spot check or guidance visit recorded a finding (TJ-7.2, TJ-7.4).",
)

register(FINDING_RECORDED)

SEVERITIES = validate.OneOf(["minor", "major", "serious"])


class GuidanceVisitV1(Schema):
    visit_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True, metadata={"description": "the window's unit"})
    visited_on = fields.Date(required=True)
    visitor_role = fields.String(required=True, validate=validate.OneOf(["authority", "unit"]))
    visitor_unit = fields.String(allow_none=True, load_default=None)
    visitors = fields.List(fields.String(), required=True)
    summary = fields.String(required=True)
    problems = fields.List(fields.String(), required=True, metadata={"description": "found"})
    finding_ids = fields.List(
        fields.Integer(), required=True, metadata={"description": "recorded in the same call"}
    )
    recorded_at = fields.AwareDateTime(required=True)


class FindingRef(Schema):
    """What every later event of a finding repeats, so a consumer needs no earlier one."""

    finding_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    case_id = fields.Integer(allow_none=True, load_default=None)
    staff_id = fields.String(allow_none=True, load_default=None)
    severity = fields.String(required=True, validate=SEVERITIES)
    rule = fields.String(required=True, metadata={"description": "the rule breached"})


class FindingWithdrawnV1(FindingRef):
    reason = fields.String(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)


class EvidenceAddedV1(FindingRef):
    evidence_id = fields.Integer(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(["finding", "rectification"]))
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    replaces_id = fields.Integer(allow_none=True, load_default=None)
    added_at = fields.AwareDateTime(required=True)


class RectificationV1(FindingRef):
    rectification = fields.String(required=True, metadata={"description": "what was ordered"})
    due_on = fields.Date(required=True, metadata={"description": "the deadline now in force"})
    report = fields.String(allow_none=True, load_default=None)
    note = fields.String(allow_none=True, load_default=None)
    at = fields.AwareDateTime(required=True)


GUIDANCE_VISIT_RECORDED = EventType(
    "govhall.inspection.guidance_visit.recorded.v1",
    GuidanceVisitV1,
    "The authority or the unit visited a window and recorded the problems found (TJ-7.2).",
)
FINDING_WITHDRAWN = EventType(
    "govhall.inspection.finding.withdrawn.v1",
    FindingWithdrawnV1,
    "A finding shown to be wrong was withdrawn with a reason; it no longer counts (a correction "
    "is a new finding).",
)
FINDING_EVIDENCE_ADDED = EventType(
    "govhall.inspection.finding.evidence_added.v1",
    EvidenceAddedV1,
    "Evidence was attached to a finding, or to its rectification.",
)
RECTIFICATION_REPORTED = EventType(
    "govhall.inspection.finding.rectification_reported.v1",
    RectificationV1,
    "The unit reported the finding rectified; the inspectors verify (TJ-8.1).",
)
FINDING_RECTIFIED = EventType(
    "govhall.inspection.finding.rectified.v1",
    RectificationV1,
    "The inspectors verified the rectification and accepted it (TJ-8.1).",
)
RECTIFICATION_REJECTED = EventType(
    "govhall.inspection.finding.rectification_rejected.v1",
    RectificationV1,
    "The inspectors rejected the rectification reported, with a new deadline (TJ-8.1).",
)
RECTIFICATION_OVERDUE = EventType(
    "govhall.inspection.finding.rectification_overdue.v1",
    RectificationV1,
    "The deadline to rectify a finding passed unreported (TJ-8.1; TJ-8.2 may terminate the "
    "window). Once per finding and deadline.",
)

register(
    GUIDANCE_VISIT_RECORDED,
    FINDING_WITHDRAWN,
    FINDING_EVIDENCE_ADDED,
    RECTIFICATION_REPORTED,
    FINDING_RECTIFIED,
    RECTIFICATION_REJECTED,
    RECTIFICATION_OVERDUE,
)
