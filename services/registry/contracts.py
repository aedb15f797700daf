"""The events registry publishes: the public, versioned contract other services rely on."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register


class UnitRegisteredV1(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    district = fields.String(required=True)
    registered_at = fields.AwareDateTime(required=True)


UNIT_REGISTERED = EventType(
    "govhall.registry.unit.registered.v1",
    UnitRegisteredV1,
    "The authority registered a unit (a department that runs windows and sends staff).",
)

register(UNIT_REGISTERED)
