"""The sanctions area's events: `sanction.imposed.v1` / `sanction.lifted.v1` (declared first,
for registry and staffing, which consume them), then a rectification order reported, verified,
rejected or overdue (TJ-8.1, TJ-8.2), and a corrected entry of the ladder."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register

SANCTION_KINDS = ["interview", "rectification", "suspension", "termination", "accountability"]


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

register(SANCTION_IMPOSED, SANCTION_LIFTED)


class OrderV1(SanctionV1):
    """A notice and rectification order (kind `rectification`) at a moment of its life."""

    order_id = fields.Integer(required=True)
    due_on = fields.Date(required=True)
    status = fields.String(required=True)
    summary = fields.String(allow_none=True, load_default=None, metadata={"description": "report"})
    note = fields.String(allow_none=True, load_default=None, metadata={"description": "verdict"})


class SanctionCorrectedV1(SanctionV1):
    corrects_id = fields.Integer(required=True, metadata={"description": "the entry replaced"})


ORDER_REPORTED = EventType(
    "govhall.inspection.order.reported.v1",
    OrderV1,
    "The unit reported a rectification order carried out; the authority verifies (TJ-8.1).",
)
ORDER_VERIFIED = EventType(
    "govhall.inspection.order.verified.v1",
    OrderV1,
    "The authority verified the rectification; a suspension resting on it is lifted (TJ-8.2).",
)
ORDER_REJECTED = EventType(
    "govhall.inspection.order.rejected.v1",
    OrderV1,
    "The authority rejected the reported rectification; the order stays open (TJ-8.1).",
)
ORDER_OVERDUE = EventType(
    "govhall.inspection.order.overdue.v1",
    OrderV1,
    "A rectification deadline passed without verified rectification: termination may be "
    "proposed (TJ-8.2). Announced once per order.",
)
SANCTION_CORRECTED = EventType(
    "govhall.inspection.sanction.corrected.v1",
    SanctionCorrectedV1,
    "An interview or an order was corrected by a new entry that replaces it; nothing is deleted.",
)

register(ORDER_REPORTED, ORDER_VERIFIED, ORDER_REJECTED, ORDER_OVERDUE, SANCTION_CORRECTED)
