"""The complaints events (issue 7 point 6). The first, `complaint.upheld.v1`, was declared ahead
for staffing, which counts it in the annual assessment.

None of them carries the complainant's name or phone (issue 7 point 8): events are read by every
consuming service and kept in outboxes and dead letters, where no read is logged.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register

MISCONDUCT = ["buck_passing", "soliciting_favours", "abuse_of_power"]  # TJ-8.3


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


COMPLAINT_UPHELD = EventType(
    "govhall.inspection.complaint.upheld.v1",
    ComplaintV1,
    "A complaint about a window or staff member was verified and upheld.",
)

register(COMPLAINT_UPHELD)


class ComplaintAboutV1(Schema):
    """The facts of a complaint that anyone handling it may know; never who complained."""

    complaint_id = fields.Integer(required=True)
    number = fields.String(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    name_zh = fields.String(required=True, metadata={"description": "the window's name"})
    name_en = fields.String(required=True)
    staff_id = fields.String(allow_none=True, load_default=None)
    misconduct = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(MISCONDUCT),
        metadata={"description": "TJ-8.3"},
    )
    anonymous = fields.Boolean(required=True, metadata={"description": "no name and no phone"})
    due_on = fields.Date(required=True, metadata={"description": "the last day to decide"})


class ComplaintReceivedV1(ComplaintAboutV1):
    received_at = fields.AwareDateTime(required=True)


class ComplaintAssignedV1(ComplaintAboutV1):
    handler = fields.String(required=True)
    assigned_at = fields.AwareDateTime(required=True)


class ComplaintDismissedV1(ComplaintAboutV1):
    reasons = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)
    corrects_complaint_id = fields.Integer(
        allow_none=True, load_default=None, metadata={"description": "the entry it corrects"}
    )


class ComplaintOverdueV1(ComplaintAboutV1):
    status = fields.String(required=True, validate=validate.OneOf(["received", "assigned"]))
    handler = fields.String(allow_none=True, load_default=None)


class ComplaintCorrectedV1(ComplaintAboutV1):
    """A decided complaint was decided again as a new entry: the earlier decision no longer
    stands (a consumer that counted an earlier `complaint.upheld` withdraws it)."""

    correction_id = fields.Integer(required=True, metadata={"description": "the new entry"})
    correction_number = fields.String(required=True)
    previous_outcome = fields.String(
        required=True, validate=validate.OneOf(["upheld", "dismissed"])
    )
    outcome = fields.String(required=True, validate=validate.OneOf(["upheld", "dismissed"]))
    reasons = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)


COMPLAINT_RECEIVED = EventType(
    "govhall.inspection.complaint.received.v1",
    ComplaintReceivedV1,
    "The public complained about a window or staff member, named or anonymously; to be decided "
    "by `due_on` (TJ-7.5, TJ-8.3). Carries no personal data.",
)
COMPLAINT_ASSIGNED = EventType(
    "govhall.inspection.complaint.assigned.v1",
    ComplaintAssignedV1,
    "The center or an inspector gave a complaint to a handler to verify.",
)
COMPLAINT_DISMISSED = EventType(
    "govhall.inspection.complaint.dismissed.v1",
    ComplaintDismissedV1,
    "A complaint was verified and dismissed, with the reasons the complainant is shown.",
)
COMPLAINT_OVERDUE = EventType(
    "govhall.inspection.complaint.overdue.v1",
    ComplaintOverdueV1,
    "A complaint was still undecided after its last day (sent once per complaint).",
)
COMPLAINT_CORRECTED = EventType(
    "govhall.inspection.complaint.corrected.v1",
    ComplaintCorrectedV1,
    "A decided complaint was decided again as a new entry, which replaces the earlier decision.",
)

register(
    COMPLAINT_RECEIVED,
    COMPLAINT_ASSIGNED,
    COMPLAINT_DISMISSED,
    COMPLAINT_OVERDUE,
    COMPLAINT_CORRECTED,
)
