"""What inspection has learned of registry's units, cases and windows from its events."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Integer, String, Table, Text

from services.inspection.adapters.tables.base import metadata
from shared.sqltypes import UTCDateTime

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
    # Every public evaluation finds its case by the receipt (TJ-7.5).
    Column("receipt_number", String(32), nullable=False, unique=True),
    Column("window_id", Integer, nullable=False, index=True),
    Column("unit_code", String(63), nullable=False),
    Column("matter_code", String(63), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("accepted_on", Date, nullable=False),
    Column("completed_on", Date, nullable=True),
    Column("overdue", Boolean, nullable=False),
    Column("source_event_id", String(36), nullable=False),
    # Who accepted the case: the staff member its evaluations count for (EQ-3.2.2a).
    Column("staff_id", String(63), nullable=False, server_default=""),
    # From case.accepted: checks the public's query code (shared/receipts.py, TJ-7.5).
    Column("query_code_verifier", Text, nullable=False, server_default=""),
)

# Windows as inspection knows them, from registry's window events: the spot-check population.
windows = Table(
    "windows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("unit_code", String(63), nullable=False, index=True),
    Column("co_units", JSON, nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("state", String(20), nullable=False),
    Column("source_event_id", String(36), nullable=False),
)
