"""Registry's request and response bodies."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class UnitIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=2, max=63))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    district = fields.String(required=True, validate=validate.Length(min=1, max=100))


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    district = fields.String()
    registered_at = fields.DateTime()


class UnitPage(Schema):
    items = fields.List(fields.Nested(UnitOut))
    next_cursor = fields.String(allow_none=True)
