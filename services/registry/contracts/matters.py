"""The events of the matters' guides: each published version (TJ-6.2)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register


class MatterV1(Schema):
    code = fields.String(required=True)
    version = fields.Integer(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    type = fields.String(required=True)
    case_kind = fields.String(required=True)
    legal_limit_days = fields.Integer(required=True)
    promised_limit_days = fields.Integer(required=True)
    extension_days = fields.Integer(required=True)
    unit_code = fields.String(allow_none=True, load_default=None)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.registry.{name}.v1", schema, description)


MATTER_PUBLISHED = _type(
    "matter.published", MatterV1, "A version of a matter's guide was published (TJ-6.2)."
)

register(MATTER_PUBLISHED)
