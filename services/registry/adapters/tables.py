"""Registry's tables, on one metadata: units, halls, matters, windows, agreements, cases and
enquiries, then appointments and extended service (EQ-4.4d)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from shared.audit_table import add_audit_table
from shared.messaging_tables import add_messaging_tables
from shared.sqltypes import UTCDateTime

metadata = MetaData()
add_messaging_tables(metadata)
add_audit_table(metadata)

units = Table(
    "units",
    metadata,
    Column("code", String(63), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("district", String(100), nullable=False),
    Column("registered_at", UTCDateTime(), nullable=False),
    Column("contacts", JSON, nullable=False, default=list),
)

halls = Table(
    "halls",
    metadata,
    Column("code", String(63), primary_key=True),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("address", Text, nullable=False),
    Column("hours", Text, nullable=False),
    Column("phone", String(50), nullable=False),
)

hall_notices = Table(
    "hall_notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hall_code", String(63), ForeignKey("halls.code"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=True),
    Column("new_address", Text, nullable=False),
    Column("message_zh", Text, nullable=False),
    Column("message_en", Text, nullable=False),
    Column("announced_on", Date, nullable=False),
)

matters = Table(
    "matters",
    metadata,
    Column("code", String(63), primary_key=True),
    Column("current_version", Integer, nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("type", String(20), nullable=False, index=True),
    Column("unit_code", String(63), nullable=True),
)

matter_versions = Table(
    "matter_versions",
    metadata,
    Column("code", String(63), ForeignKey("matters.code"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("content", JSON, nullable=False),
    Column("published_at", UTCDateTime(), nullable=False),
    Column("published_by", String(200), nullable=False),
)

forms = Table(
    "forms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("filename", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("uploaded_at", UTCDateTime(), nullable=False),
    Column("uploaded_by", String(200), nullable=False),
)

windows = Table(
    "windows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_code", String(63), ForeignKey("units.code"), nullable=False, index=True),
    Column("hall_code", String(63), ForeignKey("halls.code"), nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("evidence", JSON, nullable=False),
    Column("applied_at", UTCDateTime(), nullable=False),
    Column("co_units", JSON, nullable=False),
    Column("seasonal_months", JSON, nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("open_reason", Text, nullable=False),
    Column("details", JSON, nullable=False),
    Column("records", JSON, nullable=False),
    Column("revocation_request", Text, nullable=False),
    Column("version", Integer, nullable=False),
)

# Every unit a window serves (its own and, for a comprehensive window, the others): what a
# unit token may see is looked up here.
window_units = Table(
    "window_units",
    metadata,
    Column("window_id", Integer, ForeignKey("windows.id"), primary_key=True),
    Column("unit_code", String(63), primary_key=True),
    Index("ix_window_units_unit", "unit_code", "window_id"),
)

agreements = Table(
    "agreements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("window_id", Integer, ForeignKey("windows.id"), nullable=False, index=True),
    Column("matters", JSON, nullable=False),
    Column("duties", Text, nullable=False),
    Column("rights", Text, nullable=False),
    Column("requirements", Text, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("assessment", JSON, nullable=True),
    Column("previous_id", Integer, nullable=True),
    Column("notices_sent", JSON, nullable=False),
)

# TJ-4.3: violations recorded against a unit's windows, learned from inspection events.
violations = Table(
    "violations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_code", String(63), nullable=False, index=True),
    Column("window_id", Integer, nullable=True),
    Column("kind", String(20), nullable=False),
    Column("rule", String(20), nullable=False),
    Column("summary", Text, nullable=False),
    Column("source_event_id", String(36), nullable=False, unique=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    # The inspection record it came from ("finding:12"), and the event that withdrew it: a
    # withdrawn finding no longer bars the unit (TJ-4.3).
    Column("ref", String(40), nullable=True, index=True),
    Column("withdrawn_by", String(36), nullable=True),
)

# Staff on duty at each window, learned from staffing events (TJ-5.6 publishes them).
window_staff = Table(
    "window_staff",
    metadata,
    Column("window_id", Integer, primary_key=True),
    Column("staff_id", String(63), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("post", String(100), nullable=False),
    Column("role", String(1), nullable=False),
)

# EQ-2.2b: materials an agent of a comprehensive window received for one of its units.
receipts = Table(
    "receipts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("window_id", Integer, ForeignKey("windows.id"), nullable=False, index=True),
    Column("unit_code", String(63), nullable=False),
    Column("matter_code", String(63), nullable=False),
    Column("applicant", String(200), nullable=False),
    Column("materials", JSON, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("received_by", String(200), nullable=False),
)


# Cases (EQ-4.3). `open`, `paused`, `warning` and `stage_overrun` are kept as columns so the
# supervision sweep and the center's lists read only the rows that can change, by index.
def _partial(name: str, where: str, *columns: str) -> Index:
    return Index(name, *columns, postgresql_where=text(where), sqlite_where=text(where))


cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("receipt_number", String(32), nullable=False, unique=True),
    Column("query_code_hash", String(64), nullable=False),
    Column("window_id", Integer, ForeignKey("windows.id"), nullable=False),
    Column("unit_code", String(63), nullable=False),
    Column("matter_code", String(63), nullable=False),
    Column("matter_version", Integer, nullable=False),
    Column("applicant", String(200), nullable=False),
    Column("accepted_on", Date, nullable=False),
    Column("limit_days", Integer, nullable=False),
    Column("extension_allowance", Integer, nullable=False),
    Column("extension_days", Integer, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("open", Boolean, nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("stage_due_on", Date, nullable=True),
    Column("warning", String(10), nullable=False),
    Column("stage_overrun", Boolean, nullable=False),
    Column("completed_on", Date, nullable=True),
    Column("history", JSON, nullable=False),
    Column("pauses", JSON, nullable=False),
    Column("supplement", JSON, nullable=False),
    Column("extension_reasons", JSON, nullable=False),
    Column("refusal_reason", Text, nullable=False),
    Column("assisted_by", String(63), nullable=False),
    Column("version", Integer, nullable=False),
    # Each index serves one query shape, keyset-ordered by id (or the date the sweep walks),
    # so a page or a sweep batch reads only matching rows at a million cases (bench/).
    Index("ix_cases_window_accepted", "window_id", "accepted_on"),
    Index("ix_cases_matter_accepted", "matter_code", "accepted_on"),
    Index("ix_cases_unit_id", "unit_code", "id"),
    Index("ix_cases_window_id", "window_id", "id"),
    Index("ix_cases_matter_id", "matter_code", "id"),
    Index("ix_cases_stage_id", "stage", "id"),
    _partial("ix_cases_open_id", "open", "id"),
    _partial("ix_cases_open_window_id", "open", "window_id", "id"),
    _partial("ix_cases_running_warning_due", "open AND NOT paused", "warning", "due_on", "id"),
    _partial(
        "ix_cases_running_stage_due",
        "open AND NOT paused AND NOT stage_overrun",
        "stage_due_on",
        "id",
    ),
    _partial("ix_cases_warned", "open AND (warning <> 'none' OR stage_overrun)", "id"),
)

# First-inquiry responsibility (EQ-4.4a).
enquiries = Table(
    "enquiries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("window_id", Integer, ForeignKey("windows.id"), nullable=False, index=True),
    Column("unit_code", String(63), nullable=False, index=True),
    Column("question", Text, nullable=False),
    Column("owner", String(63), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("handovers", JSON, nullable=False),
    Column("answer", Text, nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
)


# Appointments and extended service (EQ-4.4d).

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
