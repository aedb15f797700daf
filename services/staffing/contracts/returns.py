"""Staff the center sends back and the replacement the unit owes (EQ-3.2.4)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register


class ReturnV1(Schema):
    return_id = fields.Integer(required=True)
    staff_id = fields.String(required=True)
    name = fields.String(load_default="", metadata={"description": "name as published"})
    unit_code = fields.String(required=True)
    reason = fields.String(required=True)
    replacement_due_on = fields.Date(required=True)
    replacement_staff_id = fields.String(allow_none=True, load_default=None)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.staffing.{name}.v1", schema, description)


STAFF_RETURNED = _type(
    "staff.returned",
    ReturnV1,
    "The center returned a staff member (EQ-3.2.4); the unit owes a replacement by the deadline.",
)
REPLACEMENT_NAMED = _type("replacement.named", ReturnV1, "The unit named the replacement.")
REPLACEMENT_OVERDUE = _type(
    "replacement.overdue", ReturnV1, "The replacement deadline passed (EQ-3.2.4): escalated."
)

register(STAFF_RETURNED, REPLACEMENT_NAMED, REPLACEMENT_OVERDUE)
