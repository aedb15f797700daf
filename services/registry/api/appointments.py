"""Appointments and extended service (EQ-4.4d): slots, bookings by the public, extended hours."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.registry.api.schemas import page_of
from services.registry.domain.appointments import HHMM, PHONE, Booking, Slot, hhmm, mask_phone
from services.registry.handlers import appointments
from shared import auth, limits
from shared.errors import Invalid
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import principal, unit_of_work, unit_scope

slots_blp = Blueprint(
    "slots", __name__, url_prefix="/api/v1/slots", description="Appointment slots (EQ-4.4d)"
)
bookings_blp = Blueprint(
    "bookings", __name__, url_prefix="/api/v1/bookings", description="Appointments (EQ-4.4d)"
)
hours_blp = Blueprint(
    "extended-hours",
    __name__,
    url_prefix="/api/v1/extended-hours",
    description="Days a window keeps extended hours (EQ-4.4d extended service)",
)

Str = fields.String
TimeOfDay = validate.Regexp(HHMM, error="a time of day as HH:MM, e.g. 08:30")
# Who sees the public's phone numbers in full: the hall's administration and the window's unit.
SEES_PHONES = ("center", "unit")


class SlotIn(Schema):
    window_id = fields.Integer(required=True)
    matter_code = Str(required=True, validate=validate.Length(min=1, max=63))
    date = fields.Date(required=True)
    start = Str(required=True, validate=TimeOfDay)
    end = Str(required=True, validate=TimeOfDay)
    capacity = fields.Integer(required=True, metadata={"description": "at least 1"})


class SlotOut(Schema):
    id = fields.Integer()
    window_id = fields.Integer()
    matter_code = Str()
    date = fields.Date()
    start = fields.Time(format="%H:%M")
    end = fields.Time(format="%H:%M")
    capacity = fields.Integer()
    booked = fields.Integer()
    free = fields.Integer()


class DateRangeQuery(PageQuery):
    window_id = fields.Integer(load_default=None)
    start = fields.Date(
        load_default=None, data_key="from", metadata={"description": "default today"}
    )
    until = fields.Date(load_default=None, data_key="to")


class SlotQuery(DateRangeQuery):
    matter_code = Str(load_default=None)


class BookingIn(Schema):
    slot_id = fields.Integer(required=True)
    name = Str(required=True, validate=validate.Length(min=1, max=100))
    phone = Str(
        required=True,
        validate=validate.Regexp(PHONE, error="a mainland mobile number, e.g. 13812345678"),
    )


class BookingOut(Schema):
    reference = Str()
    slot_id = fields.Integer()
    name = Str()
    phone = Str(metadata={"description": "masked (138****5678) except for the center and unit"})
    status = Str()
    booked_at = fields.DateTime()
    cancelled_at = fields.DateTime(allow_none=True)


class BookingMade(BookingOut):
    cancellation_code = Str(metadata={"description": "shown once: keep it to cancel"})
    slot = fields.Nested(SlotOut)


class CancellationIn(Schema):
    code = Str(required=True, validate=validate.Length(min=1, max=100))


class CancellationOut(BookingOut):
    slot = fields.Nested(SlotOut)


class ExtendedHoursIn(Schema):
    window_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    opens = Str(required=True, validate=TimeOfDay)
    closes = Str(required=True, validate=TimeOfDay)
    note = Str(load_default="", validate=validate.Length(max=500))


class ExtendedHoursOut(Schema):
    id = fields.Integer()
    window_id = fields.Integer()
    date = fields.Date()
    opens = fields.Time(format="%H:%M")
    closes = fields.Time(format="%H:%M")
    note = Str()


def _booking(booking: Booking, *, reveal: bool = False) -> dict[str, Any]:
    shown = asdict(booking)
    shown["phone"] = booking.phone if reveal else mask_phone(booking.phone)
    return shown


def _sees_phones() -> bool:
    who = principal()
    return who is not None and who.role in SEES_PHONES


def _cursor(query: dict[str, Any], parts: int) -> list[Any] | None:
    """The keyset a page ended on: [date, ..., id], or the id alone when parts is 1."""
    if parts == 1:
        key = decode_cursor(query["cursor"], int)
        return None if key is None else [key]
    key = decode_cursor(query["cursor"], (str, *[str] * (parts - 2), int))
    if key is None:
        return None
    try:
        return [date.fromisoformat(key[0]), *key[1:]]
    except ValueError:
        raise Invalid("the cursor is not one this service gave out", field="cursor") from None


@slots_blp.route("")
class Slots(MethodView):
    @auth.roles("center", "unit")
    @slots_blp.arguments(SlotIn)
    @slots_blp.response(201, SlotOut)
    def post(self, body: dict[str, Any]) -> Slot:
        """Publish a bookable slot of a window for a matter its agreement delegates (TJ-2.1);
        a unit only for the windows that serve it."""
        return appointments.publish_slot(unit_of_work(), body, unit=unit_scope())

    @auth.public
    @slots_blp.arguments(SlotQuery, location="query")
    @slots_blp.response(200, page_of(SlotOut))
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Slots with a free seat that have not begun, in time order (public)."""
        after = _cursor(query, 3)
        rows = appointments.list_free_slots(
            unit_of_work(),
            window_id=query["window_id"],
            matter_code=query["matter_code"],
            start=query["start"],
            until=query["until"],
            after=(after[0], after[1], after[2]) if after else None,
            limit=query["limit"] + 1,
        )
        return page(rows, query["limit"], key=lambda s: [s.date.isoformat(), hhmm(s.start), s.id])


@slots_blp.route("/<int:slot_id>")
class SlotById(MethodView):
    @auth.public
    @slots_blp.response(200, SlotOut)
    def get(self, slot_id: int) -> Slot:
        return appointments.get_slot(unit_of_work(), slot_id)


@slots_blp.route("/<int:slot_id>/bookings")
class SlotBookings(MethodView):
    @auth.roles("center", "unit", "authority", "inspector")
    @slots_blp.arguments(PageQuery, location="query")
    @slots_blp.response(200, page_of(BookingOut))
    def get(self, query: dict[str, Any], slot_id: int) -> dict[str, Any]:
        """The slot's bookings, cancelled ones too; phones in full only for the center and the
        unit, whose token sees only its own windows' slots."""
        rows = appointments.bookings_of(
            unit_of_work(),
            slot_id,
            unit=unit_scope(),
            after=(_cursor(query, 1) or [0])[0],
            limit=query["limit"] + 1,
        )
        reveal = _sees_phones()
        shown = [_booking(row, reveal=reveal) for row in rows]
        if reveal:  # the public's phone numbers: who saw them goes to the audit trail
            read = [f"booking:{b['id']}" for b in shown[: query["limit"]]]
            unit_of_work().record_reads(read, ["phone"])
        return page(shown, query["limit"], key=lambda b: b["id"])


@bookings_blp.route("")
class Bookings(MethodView):
    @limits.public("bookings")
    @auth.public
    @bookings_blp.arguments(BookingIn)
    @bookings_blp.response(201, BookingMade)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Book a seat in a slot (public): the answer carries the reference and the
        cancellation code, which is shown only this once."""
        booking, slot, code = appointments.book(unit_of_work(), body)
        return {**_booking(booking), "cancellation_code": code, "slot": slot}


@bookings_blp.route("/<reference>/cancellation")
class BookingCancellation(MethodView):
    @limits.public("bookings", receipt=("view_args", "reference"), kind="booking", lockout=True)
    @auth.public
    @bookings_blp.arguments(CancellationIn)
    @bookings_blp.response(200, CancellationOut)
    def post(self, body: dict[str, Any], reference: str) -> dict[str, Any]:
        """Cancel with the reference and the cancellation code; the seat is freed. A wrong code
        is answered like an unknown reference (404)."""
        booking, slot = appointments.cancel(unit_of_work(), reference, body["code"])
        return {**_booking(booking), "slot": slot}


@hours_blp.route("")
class ExtendedHoursDays(MethodView):
    @auth.roles("center", "unit")
    @hours_blp.arguments(ExtendedHoursIn)
    @hours_blp.response(201, ExtendedHoursOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Record a day on which a window keeps extended hours; a unit only for its windows."""
        return appointments.schedule_extended_hours(unit_of_work(), body, unit=unit_scope())

    @auth.public
    @hours_blp.arguments(DateRangeQuery, location="query")
    @hours_blp.response(200, page_of(ExtendedHoursOut))
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Days with extended hours from today (or `from`), in date order (public)."""
        after = _cursor(query, 2)
        rows = appointments.list_extended_hours(
            unit_of_work(),
            window_id=query["window_id"],
            start=query["start"],
            until=query["until"],
            after=(after[0], after[1]) if after else None,
            limit=query["limit"] + 1,
        )
        return page(rows, query["limit"], key=lambda h: [h.date.isoformat(), h.id])


blueprints = (slots_blp, bookings_blp, hours_blp)
