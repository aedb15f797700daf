"""The events staffing publishes.

Declared ahead of the staffing issue (contract first): registry publishes the staff on duty at
each window (TJ-5.6) from these.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register


class AssignmentV1(Schema):
    staff_id = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "name as published"})
    unit_code = fields.String(required=True)
    window_id = fields.Integer(required=True)
    post = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(["A", "B"]))
    at = fields.AwareDateTime(required=True)


ASSIGNMENT_MADE = EventType(
    "govhall.staffing.assignment.made.v1",
    AssignmentV1,
    "A staff member was posted to a window as A or B (EQ-3.2.5).",
)
ASSIGNMENT_ENDED = EventType(
    "govhall.staffing.assignment.ended.v1",
    AssignmentV1,
    "A staff member left a window's post.",
)

register(ASSIGNMENT_MADE, ASSIGNMENT_ENDED)
