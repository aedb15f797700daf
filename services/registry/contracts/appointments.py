"""The events of appointments and extended service (EQ-4.4d). No event carries a phone number in
clear: the public's contact details stay in registry."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register

HHMM = {"description": "time of day in the hall's time zone, HH:MM"}


class SlotV1(Schema):
    slot_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    matter_code = fields.String(required=True)
    date = fields.Date(required=True)
    start = fields.String(required=True, metadata=HHMM)
    end = fields.String(required=True, metadata=HHMM)
    capacity = fields.Integer(required=True)


class BookingV1(Schema):
    booking_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    slot_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    matter_code = fields.String(required=True)
    date = fields.Date(required=True)
    start = fields.String(required=True, metadata=HHMM)
    end = fields.String(required=True, metadata=HHMM)
    phone_masked = fields.String(required=True, metadata={"description": "e.g. 138****5678"})
    status = fields.String(required=True)
    booked = fields.Integer(required=True, metadata={"description": "seats taken after this"})
    capacity = fields.Integer(required=True)


class ExtendedHoursV1(Schema):
    extended_hours_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    date = fields.Date(required=True)
    opens = fields.String(required=True, metadata=HHMM)
    closes = fields.String(required=True, metadata=HHMM)
    note = fields.String(load_default="")


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.registry.{name}.v1", schema, description)


SLOT_PUBLISHED = _type(
    "slot.published", SlotV1, "A window published bookable appointment slots (EQ-4.4d)."
)
BOOKING_MADE = _type("booking.made", BookingV1, "The public booked a seat in a slot (EQ-4.4d).")
BOOKING_CANCELLED = _type(
    "booking.cancelled", BookingV1, "A booking was cancelled and its seat freed (EQ-4.4d)."
)
EXTENDED_HOURS_SCHEDULED = _type(
    "extended_hours.scheduled",
    ExtendedHoursV1,
    "A window keeps extended hours on a day (EQ-4.4d extended service).",
)

register(SLOT_PUBLISHED, BOOKING_MADE, BOOKING_CANCELLED, EXTENDED_HOURS_SCHEDULED)
