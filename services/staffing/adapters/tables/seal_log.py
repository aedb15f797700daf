"""Approval seals, their custodians and every use or attempted misuse (EQ-4.2)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from services.staffing.adapters.tables.base import metadata
from shared.sqltypes import UTCDateTime

# Approval seals (EQ-4.2), their custodians and every use or attempted misuse.
seals = Table(
    "seals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_code", String(63), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("custodian_a", String(63), ForeignKey("staff.id"), nullable=False),
    Column("custodian_b", String(63), ForeignKey("staff.id"), nullable=False),
    Column("registered_at", UTCDateTime(), nullable=False),
)


seal_uses = Table(
    "seal_uses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seal_id", Integer, ForeignKey("seals.id"), nullable=False),
    Column("case_number", String(32), nullable=False),
    Column("purpose", String(50), nullable=False),  # approval; anything else is refused
    Column("description", Text, nullable=False),
    Column("staff_id", String(63), nullable=False),
    Column("used_at", UTCDateTime(), nullable=False),
    Column("allowed", Boolean, nullable=False),  # False: an attempted misuse, refused
    Column("refusal", String(20), nullable=True),  # not_custodian | not_approval
    Index("ix_seal_uses_seal", "seal_id", "id"),
)
