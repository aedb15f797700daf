"""The events of the units the authority registers (TJ-1)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register


class Contact(Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True)
    email = fields.String(load_default="")
    role = fields.String(load_default="")


class UnitV1(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    district = fields.String(required=True)
    registered_at = fields.AwareDateTime(required=True)
    contacts = fields.List(fields.Nested(Contact), load_default=list)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.registry.{name}.v1", schema, description)


UNIT_REGISTERED = _type("unit.registered", UnitV1, "The authority registered a unit (TJ-1).")
UNIT_UPDATED = _type("unit.updated", UnitV1, "A unit's name, district or contacts changed.")

register(UNIT_REGISTERED, UNIT_UPDATED)
