"""Posts of windows and the staff posted to them as A or B (EQ-3.2.5)."""

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


class PostV1(Schema):
    """A post of a window, to be held by an A and a B (EQ-3.2.5)."""

    post_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True, metadata={"description": "the window's unit"})
    name = fields.String(required=True)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.staffing.{name}.v1", schema, description)


ASSIGNMENT_MADE = _type(
    "assignment.made", AssignmentV1, "A staff member was posted to a window as A or B (EQ-3.2.5)."
)
ASSIGNMENT_ENDED = _type("assignment.ended", AssignmentV1, "A staff member left a window's post.")
POST_CREATED = _type("post.created", PostV1, "A window has a new post to staff (EQ-3.2.5).")

register(ASSIGNMENT_MADE, ASSIGNMENT_ENDED, POST_CREATED)
