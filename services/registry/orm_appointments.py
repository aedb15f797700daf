"""Registry's tables for appointments and extended service (EQ-4.4d), on the registry metadata."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from services.registry.orm import metadata
from shared.db import UTCDateTime

# Times of day are "HH:MM" strings in the hall's time zone: zero-padded, so they sort and compare
# as text, in SQL as in Python.
slots = Table(
    "slots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("window_id", Integer, ForeignKey("windows.id"), nullable=False),
    Column("matter_code", String(63), ForeignKey("matters.code"), nullable=False),
    Column("date", Date, nullable=False),
    Column("start", String(5), nullable=False),
    Column("end", String(5), nullable=False),
    Column("capacity", Integer, nullable=False),
    # Taken seats, moved only by conditional UPDATEs: the database, not a read-then-write,
    # decides who gets the last seat.
    Column("booked", Integer, nullable=False, server_default="0"),
    Column("published_at", UTCDateTime(), nullable=False),
    Column("published_by", String(200), nullable=False),
    CheckConstraint("capacity >= 1", name="ck_slots_capacity"),
    CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_slots_booked"),
    Index("ix_slots_window_date", "window_id", "date", "start"),
    Index("ix_slots_matter_date", "matter_code", "date", "start"),
    Index("ix_slots_date_start", "date", "start", "id"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(20), nullable=False, unique=True),
    Column("slot_id", Integer, ForeignKey("slots.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("phone", String(11), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("booked_at", UTCDateTime(), nullable=False),
    Column("cancelled_at", UTCDateTime(), nullable=True),
    Index("ix_bookings_slot", "slot_id", "id"),
    # One live booking per phone and slot; a cancelled one does not stop booking again.
    Index(
        "uq_bookings_slot_phone",
        "slot_id",
        "phone",
        unique=True,
        sqlite_where=text("status = 'booked'"),
        postgresql_where=text("status = 'booked'"),
    ),
)

extended_hours = Table(
    "extended_hours",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("window_id", Integer, ForeignKey("windows.id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("opens", String(5), nullable=False),
    Column("closes", String(5), nullable=False),
    Column("note", Text, nullable=False),
    Column("scheduled_at", UTCDateTime(), nullable=False),
    Column("scheduled_by", String(200), nullable=False),
    UniqueConstraint("window_id", "date", name="uq_extended_hours_window_date"),
    Index("ix_extended_hours_date", "date", "id"),
)
