"""The sanctions ladder (TJ-8.1, TJ-8.2), on inspection's one metadata.

One table holds every step of every window's ladder, so a window's history is one query; the
columns of one kind stay empty on the others. Nothing is deleted: a correction is a new row
naming the one it corrects, a lifted suspension keeps its row with who lifted it and when.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from services.inspection.adapters.tables.base import metadata
from shared.sqltypes import UTCDateTime

sanctions = Table(
    "sanctions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("window_id", Integer, nullable=False),
    Column("unit_code", String(63), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("basis", String(20), nullable=False),  # the rule applied (docs/rules.md)
    Column("reason", Text, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("complaints", JSON, nullable=False),
    Column("status", String(12), nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=False),
    Column("decided_on", Date, nullable=False),
    # Unique: of two concurrent corrections of one entry only one stands.
    Column("corrects_id", Integer, ForeignKey("sanctions.id"), nullable=True, unique=True),
    Column("proposal_id", Integer, nullable=True),  # the rule engine's proposal it settled
    # Interview (TJ-8.1)
    Column("interviewed", JSON, nullable=True),
    Column("held_on", Date, nullable=True),
    Column("minutes", Text, nullable=True),
    # Notice and rectification order (TJ-8.1)
    Column("district", String(100), nullable=True),  # told of it
    Column("due_on", Date, nullable=True),
    Column("reported_on", Date, nullable=True),  # the latest report's day
    Column("overdue_at", UTCDateTime(), nullable=True),  # when the sweep announced it, once
    # Suspension and termination (TJ-8.2): the order whose verification lifts, or whose missed
    # deadline terminates.
    Column("order_id", Integer, ForeignKey("sanctions.id"), nullable=True),
    Column("lifted_by", String(200), nullable=True),
    Column("lifted_at", UTCDateTime(), nullable=True),
    Column("lift_note", Text, nullable=True),
    Index("ix_sanctions_window", "window_id", "id"),
    Index("ix_sanctions_kind_status_due", "kind", "status", "due_on"),
    Index("ix_sanctions_order", "order_id"),
)

# Each report of rectification by the unit and the authority's verdict on it (TJ-8.1).
order_reports = Table(
    "sanction_order_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("sanctions.id"), nullable=False, index=True),
    Column("summary", Text, nullable=False),
    Column("reported_by", String(200), nullable=False),
    Column("reported_at", UTCDateTime(), nullable=False),
    Column("due_on", Date, nullable=False),  # the deadline it answered
    Column("accepted", Boolean, nullable=True),
    Column("note", Text, nullable=True),
    Column("verified_by", String(200), nullable=True),
    Column("verified_at", UTCDateTime(), nullable=True),
)
