"""Rotations and swaps, applied for and decided by the center (EQ-3.2.3)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register


class RotationV1(Schema):
    rotation_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    staff_id = fields.String(required=True)
    other_staff_id = fields.String(allow_none=True, load_default=None)
    unit_code = fields.String(required=True)
    effective_on = fields.Date(required=True)
    status = fields.String(required=True)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.staffing.{name}.v1", schema, description)


ROTATION_APPLIED = _type("rotation.applied", RotationV1, "A rotation or swap was applied for.")
ROTATION_DECIDED = _type(
    "rotation.decided", RotationV1, "The center approved or refused a rotation or swap (EQ-3.2.3)."
)

register(ROTATION_APPLIED, ROTATION_DECIDED)
