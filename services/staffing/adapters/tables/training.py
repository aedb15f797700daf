"""Training (TJ-7.1) and attendance (TJ-7.3)."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from services.staffing.adapters.tables.base import metadata
from shared.sqltypes import UTCDateTime

# Training (TJ-7.1) and attendance (TJ-7.3).
trainings = Table(
    "trainings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("staff_id", String(63), ForeignKey("staff.id"), nullable=False, index=True),
    Column("course", String(200), nullable=False),
    Column("hours", Integer, nullable=False),
    Column("provider", String(20), nullable=False),  # authority | window | unit
    Column("held_on", Date, nullable=False),
)


attendance = Table(
    "attendance",
    metadata,
    Column("staff_id", String(63), ForeignKey("staff.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    # present | absent_approved | absent_unapproved | late
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index("ix_attendance_day", "day"),
)
