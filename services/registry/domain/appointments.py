"""Appointments and extended service (EQ-4.4d): bookable slots per window and matter, bookings
by the public with a cancellation code, and days a window keeps extended hours."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from enum import StrEnum

from services.registry.domain.windows import Window, WindowState
from shared.errors import Conflict, Invalid, NotFound, RuleViolation

RULE = "EQ-4.4d"
PHONE = re.compile(r"^1[3-9]\d{9}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_NAME = 100


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Slot:
    id: int | None
    window_id: int
    matter_code: str
    date: date
    start: time
    end: time
    capacity: int
    booked: int = 0

    @property
    def free(self) -> int:
        return self.capacity - self.booked

    def overlaps(self, other: Slot) -> bool:
        return self.date == other.date and self.start < other.end and other.start < self.end

    def has_begun(self, now: datetime) -> bool:
        return datetime.combine(self.date, self.start, tzinfo=now.tzinfo) <= now


@dataclass(frozen=True)
class Booking:
    id: int | None
    reference: str
    slot_id: int
    name: str
    phone: str
    code_hash: str
    status: BookingStatus
    booked_at: datetime
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class ExtendedHours:
    id: int | None
    window_id: int
    date: date
    opens: time
    closes: time
    note: str


def parse_hhmm(value: str, field: str) -> time:
    if not HHMM.match(value):
        raise Invalid(f"{field} is a time of day as HH:MM, e.g. 08:30", field=field)
    return time.fromisoformat(value)


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def mask_phone(phone: str) -> str:
    """`138****5678`: enough for the applicant to recognise, too little to call."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


# -- slots -------------------------------------------------------------------------------------
def new_slot(
    window_id: int,
    matter_code: str,
    day: date,
    start: time,
    end: time,
    capacity: int,
    *,
    now: datetime,
) -> Slot:
    """`now` is in the hall's time zone, as slot times are."""
    slot = Slot(None, window_id, matter_code, day, start, end, capacity)
    if day < now.date():
        raise Invalid("a slot is published for a day to come", field="date")
    if end <= start:
        raise Invalid("a slot ends after it starts", field="end")
    if slot.has_begun(now):
        raise Invalid("the slot would start in the past", field="start")
    if capacity < 1:
        raise Invalid("a slot has room for at least one applicant", field="capacity")
    return slot


def check_free_time(slot: Slot, same_day: list[Slot]) -> None:
    """No two slots of one window overlap; `same_day` are the window's slots on that day."""
    clash = next((other for other in same_day if slot.overlaps(other)), None)
    if clash is not None:
        raise Conflict(
            f"the window has a slot {hhmm(clash.start)}–{hhmm(clash.end)} that day already "
            f"({RULE})",
            rule=RULE,
            field="start",
        )


# -- bookings ----------------------------------------------------------------------------------
def issue_reference() -> str:
    return secrets.token_hex(6).upper()


def issue_code() -> str:
    return secrets.token_urlsafe(8)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def book(slot: Slot, name: str, phone: str, *, now: datetime, code: str) -> Booking:
    """A booking of one seat; the seat itself is taken in the database, which alone sees
    concurrent bookings."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(f"the applicant's name, 1–{MAX_NAME} characters", field="name")
    if not PHONE.match(phone):
        raise Invalid("a mainland mobile number: 11 digits starting 13–19", field="phone")
    if slot.has_begun(now):
        raise RuleViolation(
            f"the slot has begun; book a later one ({RULE})", rule=RULE, field="slot_id"
        )
    if slot.free < 1:
        raise full(slot)
    return Booking(
        None, issue_reference(), _id(slot), name, phone, hash_code(code), BookingStatus.BOOKED, now
    )


def full(slot: Slot) -> Conflict:
    return Conflict(f"slot {slot.id} is fully booked ({RULE})", rule=RULE, field="slot_id")


def already_booked(slot: Slot) -> Conflict:
    return Conflict(
        f"this phone number holds a booking in slot {slot.id} already ({RULE})",
        rule=RULE,
        field="phone",
    )


def unknown_booking(reference: str) -> NotFound:
    # One answer for a wrong reference and a wrong code, so references cannot be probed.
    return NotFound(f"no booking {reference} with this cancellation code")


def cancel(booking: Booking, slot: Slot, code: str, *, now: datetime) -> Booking:
    if not hmac.compare_digest(booking.code_hash, hash_code(code)):
        raise unknown_booking(booking.reference)
    if booking.status is BookingStatus.CANCELLED:
        raise Conflict("the booking is cancelled already", field="reference")
    if slot.has_begun(now):
        raise RuleViolation(
            f"a booking is cancelled before its slot begins ({RULE})", rule=RULE, field="reference"
        )
    return replace(booking, status=BookingStatus.CANCELLED, cancelled_at=now)


def _id(slot: Slot) -> int:
    if slot.id is None:
        raise ValueError("a slot is booked once it has been saved")
    return slot.id


def _window_id(window: Window) -> int:
    if window.id is None:
        raise ValueError("extended hours are kept by a saved window")
    return window.id


# -- extended hours ----------------------------------------------------------------------------
def schedule_extended_hours(
    window: Window, day: date, opens: time, closes: time, note: str, *, today: date
) -> ExtendedHours:
    if window.state is not WindowState.ACTIVE:
        raise RuleViolation(
            f"the window is {window.state}, not published (TJ-5.6)",
            rule="TJ-5.6",
            field="window_id",
        )
    if day < today:
        raise Invalid("extended hours are scheduled for today or a day to come", field="date")
    if closes <= opens:
        raise Invalid("the window closes after it opens", field="closes")
    return ExtendedHours(None, _window_id(window), day, opens, closes, note.strip())
