"""Approval seals, their custodians, every use and every refused misuse (EQ-4.2)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register


class SealV1(Schema):
    """A unit's approval seal, registered to the chief representative (A) and deputy (B)."""

    seal_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    name = fields.String(required=True)
    custodian_a = fields.String(required=True)
    custodian_b = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


class SealUseV1(Schema):
    seal_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    case_number = fields.String(required=True)
    staff_id = fields.String(required=True)
    allowed = fields.Boolean(required=True)
    at = fields.AwareDateTime(required=True)
    purpose = fields.String(load_default="", metadata={"description": "approval, or what else"})
    refusal = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(["not_custodian", "not_approval"]),
        metadata={"description": "why a misuse was refused; null for a use"},
    )


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.staffing.{name}.v1", schema, description)


SEAL_REGISTERED = _type(
    "seal.registered",
    SealV1,
    "A unit registered its approval seal into the chief representative's and deputy's keeping "
    "(EQ-4.2).",
)
SEAL_USED = _type("seal.used", SealUseV1, "A custodian used the approval seal (EQ-4.2).")
SEAL_MISUSE_ATTEMPTED = _type(
    "seal.misuse_attempted",
    SealUseV1,
    "A use of the seal was refused and recorded: not a custodian, or not an approval (EQ-4.2).",
)

register(SEAL_REGISTERED, SEAL_USED, SEAL_MISUSE_ATTEMPTED)
