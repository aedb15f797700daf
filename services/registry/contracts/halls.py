"""The events of the halls: registered, and their closures and moves (EQ-4.5)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register


class HallV1(Schema):
    code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    address = fields.String(required=True)
    hours = fields.String(required=True)
    phone = fields.String(required=True)


class HallNoticeV1(Schema):
    id = fields.Integer(required=True)
    hall_code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["closure", "move"]))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, load_default=None)
    new_address = fields.String(load_default="")
    message_zh = fields.String(required=True)
    message_en = fields.String(load_default="")
    announced_on = fields.Date(required=True)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.registry.{name}.v1", schema, description)


HALL_REGISTERED = _type("hall.registered", HallV1, "A hall was registered.")
HALL_NOTICE_ANNOUNCED = _type(
    "hall_notice.announced", HallNoticeV1, "A hall closure or move was announced (EQ-4.5)."
)

register(HALL_REGISTERED, HALL_NOTICE_ANNOUNCED)
