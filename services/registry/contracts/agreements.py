"""The events of delegation agreements (TJ-5.5)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register


class AgreementV1(Schema):
    agreement_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    matters = fields.List(fields.String(), required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    status = fields.String(required=True)
    previous_id = fields.Integer(allow_none=True, load_default=None)
    days_left = fields.Integer(allow_none=True, load_default=None)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.registry.{name}.v1", schema, description)


AGREEMENT_SIGNED = _type("agreement.signed", AgreementV1, "A delegation agreement (TJ-5.5).")
AGREEMENT_RENEWAL_DUE = _type(
    "agreement.renewal_due", AgreementV1, "An agreement expires within 90 or 30 days (TJ-5.5)."
)
AGREEMENT_RENEWED = _type(
    "agreement.renewed", AgreementV1, "Renewed for 3 years after an assessment (TJ-5.5)."
)
AGREEMENT_EXPIRED = _type("agreement.expired", AgreementV1, "An agreement ran out (TJ-5.5).")

register(AGREEMENT_SIGNED, AGREEMENT_RENEWAL_DUE, AGREEMENT_RENEWED, AGREEMENT_EXPIRED)
