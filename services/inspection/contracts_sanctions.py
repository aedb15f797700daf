"""The sanctions area's events besides `sanction.imposed.v1` / `sanction.lifted.v1` (declared in
contracts.py, which registry and staffing consume): a rectification order reported, verified,
rejected or overdue (TJ-8.1, TJ-8.2), and a corrected entry of the ladder."""

from __future__ import annotations

from marshmallow import fields

from services.inspection.contracts import SanctionV1
from shared.events import EventType, register


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
