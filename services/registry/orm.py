"""Registry's tables."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table

from shared.db import UTCDateTime
from shared.messaging_tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)

units = Table(
    "units",
    metadata,
    Column("code", String(63), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("district", String(100), nullable=False),
    Column("registered_at", UTCDateTime(), nullable=False),
)
