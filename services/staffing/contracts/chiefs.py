"""Chief representatives and deputies taking and leaving office (EQ-3.1b, EQ-3.2.6)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register


class ChiefRepresentativeV1(Schema):
    unit_code = fields.String(required=True)
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    deputy_staff_id = fields.String(allow_none=True, load_default=None)
    starts_on = fields.Date(required=True)
    previous_staff_id = fields.String(allow_none=True, load_default=None)
    reason = fields.String(load_default="")


class OfficeVacatedV1(Schema):
    """The chief representative or the deputy left office before a successor was appointed."""

    unit_code = fields.String(required=True)
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    office = fields.String(required=True, validate=validate.OneOf(["chief", "deputy"]))
    on = fields.Date(required=True)
    reason = fields.String(required=True)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.staffing.{name}.v1", schema, description)


CHIEF_APPOINTED = _type(
    "chief_representative.appointed",
    ChiefRepresentativeV1,
    "A unit's chief representative took office (EQ-3.1b), or the serving one named a new "
    "deputy (previous_staff_id is then the same; the term runs on from starts_on, EQ-3.2.6).",
)
CHIEF_OFFICE_VACATED = _type(
    "chief_representative.vacated",
    OfficeVacatedV1,
    "The chief representative or deputy was returned (EQ-3.2.4): the office, and the seal's "
    "custody with it (EQ-4.2), is vacant until the unit appoints again.",
)

register(CHIEF_APPOINTED, CHIEF_OFFICE_VACATED)
