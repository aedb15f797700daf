"""Staff records sent by units and the center's exception for someone over 45
(EQ-3.1a). Names, never ID numbers or phone numbers.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register


class StaffV1(Schema):
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    unit_code = fields.String(required=True)
    status = fields.String(required=True)
    detail = fields.String(load_default="")
    rule = fields.String(load_default="")


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.staffing.{name}.v1", schema, description)


STAFF_REGISTERED = _type("staff.registered", StaffV1, "A unit sent a staff member (EQ-3.1a).")
STAFF_AGE_EXCEPTION_REQUESTED = _type(
    "staff.age_exception_requested",
    StaffV1,
    "A unit recorded why someone over 45 should be posted (EQ-3.1a); the center decides.",
)
STAFF_AGE_EXCEPTION_APPROVED = _type(
    "staff.age_exception_approved", StaffV1, "The center approved posting someone over 45."
)

register(STAFF_REGISTERED, STAFF_AGE_EXCEPTION_REQUESTED, STAFF_AGE_EXCEPTION_APPROVED)
