"""Appointments and extended service (EQ-4.4d): slots, bookings by the public, extended hours.
Each step: load, domain, save, event, commit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from services.registry.adapters import tables
from services.registry.adapters.repositories import agreements as agreement_store
from services.registry.adapters.repositories import windows as window_store
from services.registry.adapters.tables import bookings, extended_hours, slots
from services.registry.contracts import appointments as contracts
from services.registry.domain import appointments, window_life
from services.registry.domain.appointments import (
    Booking,
    BookingStatus,
    ExtendedHours,
    Slot,
    hhmm,
    mask_phone,
    parse_hhmm,
)
from services.registry.domain.windows import Window, WindowState
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound, StateConflict
from shared.unit_of_work import UnitOfWork


def hall_now() -> datetime:
    """Slot times are wall-clock times in the hall, so rules compare them with the hall's now."""
    return clock.now().astimezone(clock.HALL_TIMEZONE)


# -- slots -------------------------------------------------------------------------------------
def publish_slot(uow: UnitOfWork, body: dict[str, Any], *, unit: str | None) -> Slot:
    window_id = body["window_id"]
    with uow:
        _lock_window(uow, window_id)
        window_store.get_window(uow.session, window_id, unit=unit)  # 404 for another unit's
        slot = appointments.new_slot(
            window_id,
            body["matter_code"],
            body["date"],
            parse_hhmm(body["start"], "start"),
            parse_hhmm(body["end"], "end"),
            body["capacity"],
            now=hall_now(),
        )
        window = _accepting(uow, window_id, slot.matter_code, slot.date)
        appointments.check_free_time(slot, _slots_on(uow, window_id, slot.date))
        values = {
            **_slot_values(slot),
            "published_at": clock.now(),
            "published_by": uow.actor or "",
        }
        slot = replace(slot, id=insert_returning_id(uow.session, slots, values))
        uow.emit(
            contracts.SLOT_PUBLISHED.name, subject=str(slot.id), data=_slot_event(slot, window)
        )
        uow.commit()
    return slot


def _lock_window(uow: UnitOfWork, window_id: int) -> None:
    # Serialises slot publishing per window, so two overlapping slots cannot both pass the
    # overlap check (SQLite serialises every writer anyway).
    uow.session.execute(
        select(tables.windows.c.id).where(tables.windows.c.id == window_id).with_for_update()
    )


def _accepting(
    uow: UnitOfWork, window_id: int, matter_code: str, day: date, *, unit: str | None = None
) -> Window:
    """The window, if it takes this matter on that day (TJ-2.1, TJ-5.5, TJ-8.2); a unit sees
    only windows that serve it."""
    window = window_store.get_window(uow.session, window_id, unit=unit)
    agreement = agreement_store.agreement_on(uow.session, window_id, day)
    window_life.check_accepts(window, agreement, matter_code, day)
    return window


def _slots_on(uow: UnitOfWork, window_id: int, day: date) -> list[Slot]:
    query = select(slots).where(slots.c.window_id == window_id, slots.c.date == day)
    return [slot_from_row(row) for row in uow.session.execute(query)]


def slot_from_row(row: Any) -> Slot:
    return Slot(
        id=row.id,
        window_id=row.window_id,
        matter_code=row.matter_code,
        date=row.date,
        start=parse_hhmm(row.start, "start"),
        end=parse_hhmm(row.end, "end"),
        capacity=row.capacity,
        booked=row.booked,
    )


def _slot_values(slot: Slot) -> dict[str, Any]:
    return {
        "window_id": slot.window_id,
        "matter_code": slot.matter_code,
        "date": slot.date,
        "start": hhmm(slot.start),
        "end": hhmm(slot.end),
        "capacity": slot.capacity,
        "booked": slot.booked,
    }


def _slot_event(slot: Slot, window: Window) -> dict[str, Any]:
    values = _slot_values(slot)
    del values["booked"]
    return {**values, "slot_id": slot.id, "unit_code": window.unit_code}


def get_slot(uow: UnitOfWork, slot_id: int) -> Slot:
    with uow:
        return _load_slot(uow, slot_id)


def _load_slot(uow: UnitOfWork, slot_id: int) -> Slot:
    row = uow.session.execute(select(slots).where(slots.c.id == slot_id)).first()
    if row is None:
        raise NotFound(f"no slot {slot_id}")
    return slot_from_row(row)


def list_free_slots(
    uow: UnitOfWork,
    *,
    window_id: int | None,
    matter_code: str | None,
    start: date | None,
    until: date | None,
    after: tuple[date, str, int] | None,
    limit: int,
) -> list[Slot]:
    """Slots of published windows that have not begun and have a free seat, in time order."""
    now = hall_now()
    key = tuple_(slots.c.date, slots.c.start, slots.c.id)
    query = (
        select(slots)
        .join(tables.windows, tables.windows.c.id == slots.c.window_id)
        .where(
            tables.windows.c.state == WindowState.ACTIVE.value,
            slots.c.booked < slots.c.capacity,
            or_(
                slots.c.date > now.date(),
                and_(slots.c.date == now.date(), slots.c.start > hhmm(now.time())),
            ),
        )
        .order_by(*key.clauses)
        .limit(limit)
    )
    if window_id is not None:
        query = query.where(slots.c.window_id == window_id)
    if matter_code is not None:
        query = query.where(slots.c.matter_code == matter_code)
    query = _within(query, slots.c.date, start, until)
    if after is not None:
        query = query.where(key > tuple_(*after))
    with uow:
        return [slot_from_row(row) for row in uow.session.execute(query)]


# -- bookings ----------------------------------------------------------------------------------
def book(uow: UnitOfWork, body: dict[str, Any]) -> tuple[Booking, Slot, str]:
    """A seat for the public; returns the booking, the slot after it and the cancellation code
    (kept only as a hash, so this is the one time anyone sees it)."""
    code = appointments.issue_code()
    with uow:
        slot = _load_slot(uow, body["slot_id"])
        _accepting(uow, slot.window_id, slot.matter_code, slot.date)
        booking = appointments.book(slot, body["name"], body["phone"], now=hall_now(), code=code)
        if _holds_booking(uow, slot, booking.phone):
            raise appointments.already_booked(slot)
        _take_seat(uow, slot)
        booking = replace(booking, id=_insert_booking(uow, booking, slot))
        slot = _load_slot(uow, body["slot_id"])
        _emit_booking(uow, contracts.BOOKING_MADE.name, booking, slot)
        uow.commit()
    return booking, slot, code


def _holds_booking(uow: UnitOfWork, slot: Slot, phone: str) -> bool:
    query = select(bookings.c.id).where(
        bookings.c.slot_id == slot.id,
        bookings.c.phone == phone,
        bookings.c.status == BookingStatus.BOOKED.value,
    )
    return uow.session.execute(query).first() is not None


def _take_seat(uow: UnitOfWork, slot: Slot) -> None:
    # The condition is re-checked on the row under its lock: two bookings racing for the last
    # seat cannot both see it free.
    result: Any = uow.session.execute(
        update(slots)
        .where(slots.c.id == slot.id, slots.c.booked < slots.c.capacity)
        .values(booked=slots.c.booked + 1)
    )
    if result.rowcount != 1:
        raise appointments.full(slot)


def _insert_booking(uow: UnitOfWork, booking: Booking, slot: Slot) -> int:
    try:
        return insert_returning_id(uow.session, bookings, _booking_values(booking))
    except IntegrityError as exc:  # the same phone, racing in from another request
        raise appointments.already_booked(slot) from exc


def _booking_values(booking: Booking) -> dict[str, Any]:
    return {
        "reference": booking.reference,
        "slot_id": booking.slot_id,
        "name": booking.name,
        "phone": booking.phone,
        "code_hash": booking.code_hash,
        "status": booking.status.value,
        "booked_at": booking.booked_at,
        "cancelled_at": booking.cancelled_at,
    }


def booking_from_row(row: Any) -> Booking:
    return Booking(
        id=row.id,
        reference=row.reference,
        slot_id=row.slot_id,
        name=row.name,
        phone=row.phone,
        code_hash=row.code_hash,
        status=BookingStatus(row.status),
        booked_at=row.booked_at,
        cancelled_at=row.cancelled_at,
    )


def _emit_booking(uow: UnitOfWork, event: str, booking: Booking, slot: Slot) -> None:
    data = {
        **_slot_values(slot),
        "booking_id": booking.id,
        "reference": booking.reference,
        "slot_id": slot.id,
        "phone_masked": mask_phone(booking.phone),
        "status": booking.status.value,
    }
    uow.emit(event, subject=booking.reference, data=data)


def cancel(uow: UnitOfWork, reference: str, code: str) -> tuple[Booking, Slot]:
    with uow:
        booking = _load_booking(uow, reference)
        slot = _load_slot(uow, booking.slot_id)
        cancelled = appointments.cancel(booking, slot, code, now=hall_now())
        _mark_cancelled(uow, cancelled)
        uow.session.execute(
            update(slots)
            .where(slots.c.id == slot.id, slots.c.booked > 0)
            .values(booked=slots.c.booked - 1)
        )
        slot = _load_slot(uow, booking.slot_id)
        _emit_booking(uow, contracts.BOOKING_CANCELLED.name, cancelled, slot)
        uow.commit()
    return cancelled, slot


def _load_booking(uow: UnitOfWork, reference: str) -> Booking:
    row = uow.session.execute(select(bookings).where(bookings.c.reference == reference)).first()
    if row is None:
        raise appointments.unknown_booking(reference)
    return booking_from_row(row)


def _mark_cancelled(uow: UnitOfWork, booking: Booking) -> None:
    result: Any = uow.session.execute(
        update(bookings)
        .where(bookings.c.id == booking.id, bookings.c.status == BookingStatus.BOOKED.value)
        .values(status=booking.status.value, cancelled_at=booking.cancelled_at)
    )
    if result.rowcount != 1:  # a concurrent cancellation won
        raise StateConflict("the booking is cancelled already", field="reference")


def bookings_of(
    uow: UnitOfWork, slot_id: int, *, unit: str | None, after: int, limit: int
) -> list[Booking]:
    """A slot's bookings, cancelled ones too; a unit sees only its own windows' slots."""
    with uow:
        slot = _load_slot(uow, slot_id)
        try:
            window_store.get_window(uow.session, slot.window_id, unit=unit)
        except NotFound:
            raise NotFound(f"no slot {slot_id}") from None
        query = (
            select(bookings)
            .where(bookings.c.slot_id == slot_id, bookings.c.id > after)
            .order_by(bookings.c.id)
            .limit(limit)
        )
        return [booking_from_row(row) for row in uow.session.execute(query)]


# -- extended hours ----------------------------------------------------------------------------
def schedule_extended_hours(
    uow: UnitOfWork, body: dict[str, Any], *, unit: str | None
) -> ExtendedHours:
    with uow:
        window = window_store.get_window(uow.session, body["window_id"], unit=unit)
        hours = appointments.schedule_extended_hours(
            window,
            body["date"],
            parse_hhmm(body["opens"], "opens"),
            parse_hhmm(body["closes"], "closes"),
            body["note"],
            today=clock.today(),
        )
        hours = replace(hours, id=_insert_hours(uow, hours))
        data = {
            **_hours_values(hours),
            "extended_hours_id": hours.id,
            "unit_code": window.unit_code,
        }
        uow.emit(contracts.EXTENDED_HOURS_SCHEDULED.name, subject=str(window.id), data=data)
        uow.commit()
    return hours


def _insert_hours(uow: UnitOfWork, hours: ExtendedHours) -> int:
    values = {**_hours_values(hours), "scheduled_at": clock.now(), "scheduled_by": uow.actor or ""}
    try:
        return insert_returning_id(uow.session, extended_hours, values)
    except IntegrityError as exc:
        raise Conflict(
            f"window {hours.window_id} has extended hours on {hours.date} already", field="date"
        ) from exc


def _hours_values(hours: ExtendedHours) -> dict[str, Any]:
    return {
        "window_id": hours.window_id,
        "date": hours.date,
        "opens": hhmm(hours.opens),
        "closes": hhmm(hours.closes),
        "note": hours.note,
    }


def hours_from_row(row: Any) -> ExtendedHours:
    return ExtendedHours(
        id=row.id,
        window_id=row.window_id,
        date=row.date,
        opens=parse_hhmm(row.opens, "opens"),
        closes=parse_hhmm(row.closes, "closes"),
        note=row.note,
    )


def list_extended_hours(
    uow: UnitOfWork,
    *,
    window_id: int | None,
    start: date | None,
    until: date | None,
    after: tuple[date, int] | None,
    limit: int,
) -> list[ExtendedHours]:
    """Days to come with extended hours, in date order (from today unless told otherwise)."""
    key = tuple_(extended_hours.c.date, extended_hours.c.id)
    query = select(extended_hours).order_by(*key.clauses).limit(limit)
    if window_id is not None:
        query = query.where(extended_hours.c.window_id == window_id)
    query = _within(query, extended_hours.c.date, start or clock.today(), until)
    if after is not None:
        query = query.where(key > tuple_(*after))
    with uow:
        return [hours_from_row(row) for row in uow.session.execute(query)]


def _within(query: Select[Any], column: Any, start: date | None, until: date | None) -> Select[Any]:
    if start is not None:
        query = query.where(column >= start)
    if until is not None:
        query = query.where(column <= until)
    return query
