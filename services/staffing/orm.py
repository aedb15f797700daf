"""Staffing's tables."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table

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
