"""Appointments and extended service (EQ-4.4d): slots, bookings, cancellation, extended hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.registry.domain import appointments
from services.registry.domain.appointments import BookingStatus, Slot
from services.registry.domain.windows import Evidence, Window, WindowState, WindowType
from shared.errors import Conflict, Invalid, NotFound, RuleViolation

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
DAY = date(2026, 11, 24)
SLOT = Slot(7, 1, "work-permit-long", DAY, time(9), time(10), capacity=2)
CODE = "s3cret-code"
AFTER = date(2026, 11, 25)


def slot(**changes: object) -> Slot:
    args: dict = {
        "window_id": 1,
        "matter_code": "work-permit-long",
        "day": DAY,
        "start": time(9),
        "end": time(10),
        "capacity": 3,
        "now": NOW,
        **changes,
    }
    return appointments.new_slot(**args)


def test_a_slot_for_a_day_to_come() -> None:
    made = slot()
    assert made.free == 3 and made.id is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"day": date(2026, 11, 22)}, "date"),
        ({"day": NOW.date(), "start": time(9), "end": time(10)}, "start"),
        ({"end": time(9)}, "end"),
        ({"end": time(8)}, "end"),
        ({"capacity": 0}, "capacity"),
    ],
)
def test_past_empty_or_roomless_slots_are_refused(changes: dict, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        slot(**changes)
    assert field in refused.value.errors


def test_a_slot_later_today_is_fine() -> None:
    assert slot(day=NOW.date(), start=time(14), end=time(15)).date == NOW.date()


def test_slots_of_one_window_do_not_overlap() -> None:
    with pytest.raises(Conflict) as refused:
        appointments.check_free_time(slot(start=time(9, 30), end=time(10, 30)), [SLOT])
    assert refused.value.rule == "EQ-4.4d"
    appointments.check_free_time(slot(start=time(10), end=time(11)), [SLOT])  # adjacent
    appointments.check_free_time(slot(day=date(2026, 11, 25)), [SLOT])


def test_a_booking_holds_a_hash_of_its_code_only() -> None:
    booking = appointments.book(SLOT, " 王芳 ", "13812345678", now=NOW, code=CODE)
    assert booking.name == "王芳" and booking.status is BookingStatus.BOOKED
    assert CODE not in booking.code_hash and booking.code_hash == appointments.hash_code(CODE)
    other = appointments.book(SLOT, "李雷", "13912345678", now=NOW, code=CODE)
    assert other.reference != booking.reference


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "138123456789", "+8613812345678"])
def test_only_mainland_mobile_numbers(phone: str) -> None:
    with pytest.raises(Invalid) as refused:
        appointments.book(SLOT, "王芳", phone, now=NOW, code=CODE)
    assert "phone" in refused.value.errors


def test_a_full_or_begun_slot_takes_no_booking() -> None:
    with pytest.raises(Conflict) as full:
        appointments.book(replace(SLOT, booked=2), "王芳", "13812345678", now=NOW, code=CODE)
    assert full.value.rule == "EQ-4.4d"
    begun = replace(SLOT, date=NOW.date(), start=time(9), end=time(11))
    with pytest.raises(RuleViolation):
        appointments.book(begun, "王芳", "13812345678", now=NOW, code=CODE)


def test_cancel_with_the_right_code_only() -> None:
    booking = appointments.book(SLOT, "王芳", "13812345678", now=NOW, code=CODE)
    with pytest.raises(NotFound):
        appointments.cancel(booking, SLOT, "guess", now=NOW)
    cancelled = appointments.cancel(booking, SLOT, CODE, now=NOW)
    assert cancelled.status is BookingStatus.CANCELLED and cancelled.cancelled_at == NOW
    with pytest.raises(Conflict):
        appointments.cancel(cancelled, SLOT, CODE, now=NOW)


def test_no_cancellation_once_the_slot_has_begun() -> None:
    booking = appointments.book(SLOT, "王芳", "13812345678", now=NOW, code=CODE)
    later = datetime.combine(DAY, time(9, 5), tzinfo=NOW.tzinfo)
    with pytest.raises(RuleViolation) as refused:
        appointments.cancel(booking, SLOT, CODE, now=later)
    assert refused.value.rule == "EQ-4.4d"


def test_phones_are_masked() -> None:
    assert appointments.mask_phone("13812345678") == "138****5678"


def test_times_of_day_are_hh_mm() -> None:
    assert appointments.parse_hhmm("08:05", "start") == time(8, 5)
    for bad in ("8:05", "24:00", "08:60", "0805"):
        with pytest.raises(Invalid):
            appointments.parse_hhmm(bad, "start")


def window(state: WindowState = WindowState.ACTIVE) -> Window:
    return Window(
        id=1,
        unit_code="tj-hexi",
        hall_code="tj-hall",
        name_zh="窗口",
        name_en="Window",
        type=WindowType.PERMANENT,
        state=state,
        evidence=Evidence("d", "s", "f", "e", "c"),
        applied_at=NOW,
    )


def test_extended_hours_for_a_published_window() -> None:
    hours = appointments.schedule_extended_hours(
        window(), DAY, time(8), time(20), " 延时服务 ", today=NOW.date()
    )
    assert hours.window_id == 1 and hours.note == "延时服务"
    with pytest.raises(Invalid) as refused:
        appointments.schedule_extended_hours(window(), DAY, time(20), time(8), "", today=DAY)
    assert "closes" in refused.value.errors
    with pytest.raises(Invalid) as past:
        appointments.schedule_extended_hours(window(), DAY, time(8), time(20), "", today=AFTER)
    assert "date" in past.value.errors
    with pytest.raises(RuleViolation):
        appointments.schedule_extended_hours(
            window(WindowState.SUSPENDED), DAY, time(8), time(20), "", today=NOW.date()
        )
