"""The annual assessment's tables (EQ-3.2.2a–d).

Points are kept in hundredths (integers) so every total adds up exactly on every database.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, String, Table, Text, text

from services.staffing.adapters.tables.base import metadata
from shared.sqltypes import UTCDateTime

# Facts from inspection's events (evaluations, upheld complaints, findings, sanctions), each
# with the event it came from, so a score can be explained line by line.
assessment_inputs = Table(
    "assessment_inputs",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("ref", String(40), nullable=False, index=True),  # e.g. evaluation:12
    Column("kind", String(20), nullable=False),
    Column("staff_id", String(63), nullable=True),
    Column("window_id", Integer, nullable=True),
    Column("unit_code", String(63), nullable=False),
    Column("on", Date, nullable=False),
    Column("value", Integer, nullable=False),  # an evaluation's level 1–5, else 1
    Column("detail", Text, nullable=False),  # a finding's severity; the subject in words
    Column("voided_by", String(36), nullable=True),  # an evaluation withdrawn on appeal
    # The fact's instant, where its order matters: a sanction lifted voids the impositions of
    # its sanction made before it, not a later one. None before sta0008.
    Column("at", UTCDateTime(), nullable=True),
    Index("ix_assessment_inputs_staff", "staff_id", "on"),
    Index("ix_assessment_inputs_window", "window_id", "on"),
)


# The scoring schemes the center publishes; a cycle names the version it is scored by.
assessment_schemes = Table(
    "assessment_schemes",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("values", JSON, nullable=False),
    Column("published_by", String(200), nullable=False),
    Column("published_at", UTCDateTime(), nullable=False),
)


assessment_cycles = Table(
    "assessment_cycles",
    metadata,
    Column("hall_code", String(63), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("state", String(20), nullable=False),  # open | scored | finalised
    Column("scheme_version", Integer, nullable=False),
    Column("window_weight_bp", Integer, nullable=False),  # basis points: 500 = 5% (EQ-3.2.2b)
    Column("appeal_days", Integer, nullable=False),
    Column("opened_by", String(200), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("scored_at", UTCDateTime(), nullable=True),
    Column("finalised_on", Date, nullable=True),
    Column("finalised_by", String(200), nullable=True),
    # The authority's written exception for a cycle of fewer than 5 assessed: one excellent
    # place where floor(20%) gives none (LR-SMALL-QUOTA). None before sta0010.
    Column("quota_exception_by", String(200), nullable=True),
    Column("quota_exception_reason", Text, nullable=True),
)


# One row per staff member assessed: who served in the hall that year (part-year included).
assessment_results = Table(
    "assessment_results",
    metadata,
    Column("hall_code", String(63), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("staff_id", String(63), primary_key=True),
    Column("unit_code", String(63), nullable=False),
    # The window served longest that year; none for a chief representative or deputy.
    Column("window_id", Integer, nullable=True),
    Column("served_days", Integer, nullable=False),
    Column("year_days", Integer, nullable=False),
    Column("total_cents", Integer, nullable=True),
    Column("components", JSON, nullable=True),  # component → points, as strings
    Column("proposed_grade", String(20), nullable=True),
    Column("grade", String(20), nullable=True),
    Index("ix_assessment_results_unit", "hall_code", "year", "unit_code"),
)


# A window's stint per staff member that year, for the window's served-weighted average.
assessment_stints = Table(
    "assessment_stints",
    metadata,
    Column("hall_code", String(63), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("staff_id", String(63), primary_key=True),
    Column("window_id", Integer, primary_key=True, autoincrement=False),
    Column("served_days", Integer, nullable=False),
)


assessment_window_results = Table(
    "assessment_window_results",
    metadata,
    Column("hall_code", String(63), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("window_id", Integer, primary_key=True, autoincrement=False),
    Column("unit_code", String(63), nullable=False),
    Column("staff_count", Integer, nullable=False),
    Column("total_cents", Integer, nullable=False),
    Column("components", JSON, nullable=False),
)


# The unit's weight for its windows' results in its annual target (EQ-3.2.2b), when not the
# cycle's default.
assessment_unit_weights = Table(
    "assessment_unit_weights",
    metadata,
    Column("hall_code", String(63), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("unit_code", String(63), primary_key=True),
    Column("weight_bp", Integer, nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
)


# Every grade change, by calibration or on appeal: who, why, from what to what.
assessment_grade_changes = Table(
    "assessment_grade_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hall_code", String(63), nullable=False),
    Column("year", Integer, nullable=False),
    Column("staff_id", String(63), nullable=False),
    Column("kind", String(20), nullable=False),  # calibration | appeal
    Column("before", String(20), nullable=False),
    Column("after", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_assessment_grade_changes_staff", "year", "staff_id"),
)


_PENDING = text("status = 'pending'")


assessment_appeals = Table(
    "assessment_appeals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hall_code", String(63), nullable=False),
    Column("year", Integer, nullable=False),
    Column("staff_id", String(63), nullable=False),
    Column("unit_code", String(63), nullable=False),
    Column("reason", Text, nullable=False),
    Column("filed_on", Date, nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # pending | upheld | dismissed
    Column("decided_grade", String(20), nullable=True),
    Column("decision_note", Text, nullable=False),
    Column("decided_by", String(200), nullable=True),
    Index(
        "ux_assessment_appeals_pending",
        "hall_code",
        "year",
        "staff_id",
        unique=True,
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    ),
)


# The personal record (EQ-3.2.2d): each year's grade and what follows from it.
personal_records = Table(
    "personal_records",
    metadata,
    Column("staff_id", String(63), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    # The hall whose cycle graded them: a person belongs to one hall a year (EQ-3.2.2a).
    Column("hall_code", String(63), nullable=False),
    Column("unit_code", String(63), nullable=False),
    Column("grade", String(20), nullable=False),
    Column("award_eligible", Boolean, nullable=False),
    Column("promotion_priority", Boolean, nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)
