"""Staffing's tables."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Integer, MetaData, String, Table

from shared.db import UTCDateTime
from shared.messaging_tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)

# What inspection knows of registry's units, learned from events.
units = Table(
    "units",
    metadata,
    Column("code", String(63), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("district", String(100), nullable=False),
    Column("learned_at", UTCDateTime(), nullable=False),
    Column("source_event_id", String(36), nullable=False),
)

# What inspection knows of registry's cases, for proportional sampling (TJ-7.4).
cases = Table(
    "cases",
    metadata,
    Column("case_id", Integer, primary_key=True, autoincrement=False),
    Column("receipt_number", String(32), nullable=False),
    Column("window_id", Integer, nullable=False, index=True),
    Column("unit_code", String(63), nullable=False),
    Column("matter_code", String(63), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("accepted_on", Date, nullable=False),
    Column("completed_on", Date, nullable=True),
    Column("overdue", Boolean, nullable=False),
    Column("source_event_id", String(36), nullable=False),
)
