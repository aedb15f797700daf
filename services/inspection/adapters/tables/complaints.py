"""Complaints and reports from the public (issue 7 point 6), and the audit log of every
unmasked read of the public's personal data anywhere in inspection (issue 7 point 8)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, Index, Integer, String, Table, Text

from services.inspection.adapters.tables.base import metadata
from shared.sqltypes import UTCDateTime

# One complaint or report about a window, or a staff member at it. The complainant's name and
# phone are optional (an anonymous report); the tracking code is kept only as a hash.
complaints = Table(
    "complaints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    # sha256 of number and code; empty for a correction, which is tracked through the original.
    Column("tracking_code_hash", String(64), nullable=False),
    Column("window_id", Integer, nullable=False, index=True),
    Column("unit_code", String(63), nullable=False, index=True),
    Column("staff_id", String(63), nullable=True),
    Column("misconduct", String(32), nullable=True),
    Column("account", Text, nullable=False),
    Column("happened_on", Date, nullable=True),
    Column("complainant_name", String(100), nullable=True),
    Column("complainant_phone", String(20), nullable=True),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("handler", String(200), nullable=True),
    Column("assigned_at", UTCDateTime(), nullable=True),
    Column("reasons", Text, nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", UTCDateTime(), nullable=True),
    Column("decided_on", Date, nullable=True),
    # When the sweep announced the missed deadline: once per complaint.
    Column("overdue_at", UTCDateTime(), nullable=True),
    # A correction of a decided complaint is a new entry that names the one it corrects; unique,
    # so two concurrent corrections of one entry cannot both stand.
    Column("corrects_id", Integer, nullable=True, unique=True),
    Index("ix_complaints_open_due", "status", "due_on"),
)

# Every unmasked read of the public's personal data (names, phones), whoever read it and from
# which record: complaints here, evaluations' callback contacts in that area.
personal_data_reads = Table(
    "personal_data_reads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reader", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("record_kind", String(40), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("fields", JSON, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_personal_data_reads_record", "record_kind", "record_id"),
)
