"""Staffing's request and response bodies."""

from __future__ import annotations

from marshmallow import fields

from shared.schemas import Schema


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    district = fields.String()
    learned_at = fields.DateTime()
