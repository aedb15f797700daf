"""What staffing learns from registry's events: units, the case steps staff took and windows."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, String, Table

from services.staffing.adapters.tables.base import metadata
from shared.sqltypes import UTCDateTime

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


# Windows as staffing knows them, from registry's window events.
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
    # The hall it is in, from registry's events: its staff and it are assessed in that hall's
    # cycle (EQ-3.2.2a). None until an event that carries it arrives (before sta0011).
    Column("hall_code", String(63), nullable=True),
    # The hall days it was first seen published (active or suspended) and first seen ended
    # (terminated or revoked): the years it is assessed in (EQ-3.2.2a). None before sta0008.
    Column("published_on", Date, nullable=True),
    Column("ended_on", Date, nullable=True),
)
