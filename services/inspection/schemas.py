"""Staffing's request and response bodies."""

from __future__ import annotations

from marshmallow import Schema, fields


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    district = fields.String()
    learned_at = fields.DateTime()
