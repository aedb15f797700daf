"""Findings of inspections (TJ-7.4), their evidence and rectification (TJ-8.1), and guidance
visits with the problems they found (TJ-7.2), on inspection's one metadata.

Nothing here is deleted or overwritten: a finding is withdrawn with a reason, a correction is a
new row naming the one it corrects, and each rectification report keeps its own verdict.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from services.inspection.adapters.tables.base import metadata
from shared.sqltypes import UTCDateTime

guidance_visits = Table(
    "guidance_visits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("window_id", Integer, nullable=False),
    Column("unit_code", String(63), nullable=False),  # the window's unit, for unit tokens
    Column("visited_on", Date, nullable=False),
    Column("visitor_role", String(20), nullable=False),  # authority or unit (TJ-7.2)
    Column("visitor_unit", String(63), nullable=True),
    Column("visitors", JSON, nullable=False),
    Column("summary", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index("ix_guidance_visits_window", "window_id", "id"),
    Index("ix_guidance_visits_visited_on", "visited_on"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("window_id", Integer, nullable=False),
    Column("unit_code", String(63), nullable=False),
    Column("case_id", Integer, nullable=True),
    Column("staff_id", String(63), nullable=True),
    Column("severity", String(10), nullable=False),
    Column("rule", String(20), nullable=False),
    Column("summary", Text, nullable=False),
    Column("rectification", Text, nullable=False),
    Column("rectification_due_on", Date, nullable=False),
    Column("source", String(20), nullable=False),
    Column("source_id", Integer, nullable=True),
    Column("problem_number", Integer, nullable=True),
    Column("corrects_id", Integer, ForeignKey("findings.id"), nullable=True),
    Column("status", String(12), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_on", Date, nullable=False),  # the hall's day, for `from`/`to`
    # When the sweep announced the missed deadline; cleared when a new deadline is set.
    Column("overdue_at", UTCDateTime(), nullable=True),
    Column("withdrawn_reason", Text, nullable=True),
    Column("withdrawn_by", String(200), nullable=True),
    Column("withdrawn_at", UTCDateTime(), nullable=True),
    Index("ix_findings_window", "window_id", "id"),
    Index("ix_findings_unit", "unit_code", "id"),
    Index("ix_findings_recorded_on", "recorded_on"),
    Index("ix_findings_open_due", "status", "rectification_due_on"),
)

# A guidance visit's problems, numbered from 1; each may become a finding, then or later.
guidance_problems = Table(
    "guidance_problems",
    metadata,
    Column("visit_id", Integer, ForeignKey("guidance_visits.id"), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("finding_id", Integer, ForeignKey("findings.id"), nullable=True),
)

finding_evidence = Table(
    "finding_evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("finding_id", Integer, ForeignKey("findings.id"), nullable=False, index=True),
    Column("purpose", String(20), nullable=False),  # finding (inspectors) or rectification (unit)
    Column("filename", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("description", Text, nullable=False),
    Column("replaces_id", Integer, ForeignKey("finding_evidence.id"), nullable=True),
    Column("uploaded_by", String(200), nullable=False),
    Column("uploaded_at", UTCDateTime(), nullable=False),
)

# Each report of rectification by the unit and the inspectors' verdict on it (TJ-8.1).
rectifications = Table(
    "finding_rectifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("finding_id", Integer, ForeignKey("findings.id"), nullable=False, index=True),
    Column("report", Text, nullable=False),
    Column("reported_by", String(200), nullable=False),
    Column("reported_at", UTCDateTime(), nullable=False),
    Column("due_on", Date, nullable=False),  # the deadline it answered
    Column("accepted", Boolean, nullable=True),
    Column("note", Text, nullable=True),
    Column("verified_by", String(200), nullable=True),
    Column("verified_at", UTCDateTime(), nullable=True),
)
