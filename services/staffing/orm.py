"""Staffing's tables."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Index, Integer, MetaData, String, Table

from shared.db import UTCDateTime
from shared.messaging_tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)

# What staffing knows of registry's units, learned from events.
units = Table(
    "units",
    metadata,
    Column("code", String(63), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("district", String(100), nullable=False),
    Column("learned_at", UTCDateTime(), nullable=False),
    Column("source_event_id", String(36), nullable=False),
)

# The steps of cases each staff member took, from registry's events: an assessment input
# (EQ-3.2.2a), each kept with the event it came from so a score can be explained.
case_work = Table(
    "case_work",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("staff_id", String(63), nullable=False),
    Column("case_id", Integer, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("on", Date, nullable=False),
    Column("window_id", Integer, nullable=False),
    Column("unit_code", String(63), nullable=False),
    Column("overdue", Boolean, nullable=False),
    Index("ix_case_work_staff", "staff_id", "on"),
)
