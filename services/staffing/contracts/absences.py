"""Absences and cover: A reports, the chief representative decides, B covers, and a post
left uncovered is announced (EQ-3.2.5).
"""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register


class AbsenceV1(Schema):
    absence_id = fields.Integer(required=True)
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    unit_code = fields.String(required=True)
    window_id = fields.Integer(required=True)
    post_id = fields.Integer(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    late = fields.Boolean(required=True)
    status = fields.String(required=True)
    cover_staff_id = fields.String(allow_none=True, load_default=None)
    cover_name = fields.String(allow_none=True, load_default=None)
    chief_staff_id = fields.String(
        allow_none=True,
        load_default=None,
        metadata={"description": "the unit's chief representative then, who decides (EQ-3.2.5)"},
    )
    deputy_staff_id = fields.String(
        allow_none=True,
        load_default=None,
        metadata={"description": "the deputy then, who decides when the chief is away"},
    )


class PostAlertV1(Schema):
    """A post with neither A nor B present (EQ-3.2.5), or a window's post not covered."""

    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    post_id = fields.Integer(required=True)
    post = fields.String(required=True)
    on = fields.Date(required=True)
    detail = fields.String(required=True)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.staffing.{name}.v1", schema, description)


ABSENCE_REPORTED = _type(
    "absence.reported", AbsenceV1, "A reported an absence to the chief representative (EQ-3.2.5)."
)
ABSENCE_APPROVED = _type(
    "absence.approved", AbsenceV1, "An absence was approved: B is told to cover (EQ-3.2.5)."
)
ABSENCE_REJECTED = _type("absence.rejected", AbsenceV1, "An absence was not approved.")
POST_UNCOVERED = _type(
    "post.uncovered",
    PostAlertV1,
    "Neither A nor B is present at a post, or a post lacks A or B (EQ-3.2.5).",
)

register(ABSENCE_REPORTED, ABSENCE_APPROVED, ABSENCE_REJECTED, POST_UNCOVERED)
