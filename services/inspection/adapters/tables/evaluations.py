"""Satisfaction evaluations (TJ-7.5), bad-review rectification, appeals and monthly rankings."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from services.inspection.adapters.tables.base import metadata
from shared.sqltypes import UTCDateTime

# The public's evaluation of a case (one per case: the unique case_id), or a unit's of its own
# window for a month (one per window and month: the unique window_id, period). The applicant's
# name and phone are kept for the callback of a bad review and shown in full only to the
# evaluated unit and the center.
evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(10), nullable=False),
    Column("case_id", Integer, nullable=True, unique=True),
    Column("period", String(7), nullable=True),
    Column("window_id", Integer, nullable=False, index=True),
    Column("unit_code", String(63), nullable=False, index=True),
    Column("staff_id", String(63), nullable=True),
    Column("level", String(30), nullable=False),
    Column("score", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("applicant_name", String(100), nullable=True),
    Column("applicant_phone", String(20), nullable=True),
    Column("submitted_by", String(200), nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=False),
    # The hall's day: what deadlines and monthly rankings count from.
    Column("submitted_on", Date, nullable=False, index=True),
    Column("voided_at", UTCDateTime(), nullable=True),
    UniqueConstraint("window_id", "period", name="uq_evaluations_window_period"),
)

# A bad review's rectification: the unit calls the applicant back, reports, the center closes
# or reopens it. `overdue_at` is set once, when the sweep announced the missed deadline.
rectifications = Table(
    "bad_review_rectifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("evaluation_id", Integer, ForeignKey("evaluations.id"), nullable=False, unique=True),
    Column("window_id", Integer, nullable=False),
    Column("unit_code", String(63), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("called_at", UTCDateTime(), nullable=True),
    Column("called_by", String(100), nullable=True),
    Column("call_outcome", Text, nullable=True),
    Column("recorded_callback_by", String(200), nullable=True),
    Column("summary", Text, nullable=False),
    Column("reported_at", UTCDateTime(), nullable=True),
    Column("reviewed_by", String(200), nullable=True),
    Column("review_note", Text, nullable=False),
    Column("reopened", Integer, nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("overdue_at", UTCDateTime(), nullable=True),
    Index("ix_bad_review_rectifications_open_due", "status", "due_on"),
)

# The unit's appeal of a bad review as wrong or malicious, decided by the center (one per review).
evaluation_appeals = Table(
    "evaluation_appeals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("evaluation_id", Integer, ForeignKey("evaluations.id"), nullable=False, unique=True),
    Column("unit_code", String(63), nullable=False, index=True),
    Column("grounds", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("evidence_note", Text, nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("filed_at", UTCDateTime(), nullable=False),
    Column("status", String(20), nullable=False),
    Column("decided_by", String(200), nullable=True),
    Column("decision_note", Text, nullable=True),
    Column("decided_at", UTCDateTime(), nullable=True),
)

# A month's ranking of the windows, published once (the month is the key) and never revised.
rankings = Table(
    "rankings",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("published_at", UTCDateTime(), nullable=False),
    Column("published_by", String(200), nullable=False),
    Column("windows", Integer, nullable=False),
)

ranking_entries = Table(
    "ranking_entries",
    metadata,
    Column("month", String(7), ForeignKey("rankings.month"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("rank", Integer, nullable=False),
    Column("window_id", Integer, nullable=False),
    Column("unit_code", String(63), nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("evaluations", Integer, nullable=False),
    Column("score_sum", Integer, nullable=False),
    Column("bad_reviews", Integer, nullable=False),
    Column("upheld_complaints", Integer, nullable=False),
)
