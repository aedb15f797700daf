"""Training (TJ-7.1) and attendance (TJ-7.3)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register


class TrainingV1(Schema):
    training_id = fields.Integer(required=True)
    staff_id = fields.String(required=True)
    unit_code = fields.String(required=True)
    course = fields.String(required=True)
    hours = fields.Integer(required=True)
    held_on = fields.Date(required=True)
    provider = fields.String(load_default="", metadata={"description": "authority, window, unit"})


class AttendanceV1(Schema):
    staff_id = fields.String(required=True)
    unit_code = fields.String(required=True)
    day = fields.Date(required=True)
    status = fields.String(required=True)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.staffing.{name}.v1", schema, description)


TRAINING_RECORDED = _type("training.recorded", TrainingV1, "Training recorded (TJ-7.1).")
ATTENDANCE_RECORDED = _type(
    "attendance.recorded", AttendanceV1, "A day's attendance recorded (TJ-7.3)."
)

register(TRAINING_RECORDED, ATTENDANCE_RECORDED)
