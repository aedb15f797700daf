"""Staffing's tables."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from shared.audit import add_audit_table
from shared.db import UTCDateTime
from shared.messaging_tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)
add_audit_table(metadata)

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

# Staff records sent by units (EQ-3.1a). Personal data is kept here once; every response
# masks it except to the staff member's own unit and the center.
staff = Table(
    "staff",
    metadata,
    Column("id", String(63), primary_key=True),
    Column("unit_code", String(63), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("id_number", String(18), nullable=False, unique=True),
    Column("phone", String(20), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("employment", String(20), nullable=False),  # civil_servant | formal_staff
    Column("law_enforcement_cert", String(50), nullable=False),
    Column("work_started_on", Date, nullable=False),
    Column("knows_approval_work", Boolean, nullable=False),
    Column("age_exception_reason", Text, nullable=False),
    Column("age_exception_approved_by", String(200), nullable=True),
    Column("status", String(20), nullable=False),  # active | returned | left
    Column("registered_at", UTCDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
)

# A post of a window (e.g. acceptance), always staffed by an A and a B (EQ-3.2.5).
posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("window_id", Integer, nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

_ACTIVE = text("ends_on IS NULL")
assignments = Table(
    "assignments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", Integer, ForeignKey("posts.id"), nullable=False),
    Column("window_id", Integer, nullable=False),
    Column("staff_id", String(63), ForeignKey("staff.id"), nullable=False),
    Column("role", String(1), nullable=False),  # A | B
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=True),
    Column("end_reason", Text, nullable=False),
    # One A and one B per post, one post per person, at a time.
    Index(
        "ux_assignments_post_role",
        "post_id",
        "role",
        unique=True,
        postgresql_where=_ACTIVE,
        sqlite_where=_ACTIVE,
    ),
    Index(
        "ux_assignments_staff",
        "staff_id",
        unique=True,
        postgresql_where=_ACTIVE,
        sqlite_where=_ACTIVE,
    ),
    Index("ix_assignments_window", "window_id", "post_id"),
)

# Chief representatives (EQ-3.1b, EQ-3.2.6): one serving per unit.
chief_representatives = Table(
    "chief_representatives",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_code", String(63), nullable=False),
    Column("staff_id", String(63), ForeignKey("staff.id"), nullable=False),
    Column("deputy_staff_id", String(63), ForeignKey("staff.id"), nullable=True),
    Column("powers", JSON, nullable=False),
    Column("full_time", Boolean, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=True),
    Column("replacement_reason", Text, nullable=False),
    Column("replacement_approved_by", String(200), nullable=True),
    Index(
        "ux_chief_per_unit",
        "unit_code",
        unique=True,
        postgresql_where=_ACTIVE,
        sqlite_where=_ACTIVE,
    ),
)

# Absences and cover (EQ-3.2.5).
absences = Table(
    "absences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("staff_id", String(63), ForeignKey("staff.id"), nullable=False, index=True),
    Column("assignment_id", Integer, ForeignKey("assignments.id"), nullable=False),
    Column("post_id", Integer, nullable=False),
    Column("window_id", Integer, nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("reported_on", Date, nullable=False),
    Column("late", Boolean, nullable=False),
    Column("status", String(20), nullable=False),  # reported | approved | rejected
    Column("decided_by", String(63), nullable=True),
    Column("cover_staff_id", String(63), nullable=True),
    # The last day a post.uncovered alert named this absence: one alert per post and day.
    Column("alerted_on", Date, nullable=True),
)

# Rotations and swaps (EQ-3.2.3).
rotations = Table(
    "rotations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),  # rotation | swap
    Column("staff_id", String(63), ForeignKey("staff.id"), nullable=False),
    Column("other_staff_id", String(63), nullable=True),
    Column("to_post_id", Integer, nullable=True),
    Column("to_role", String(1), nullable=True),  # None: the role held now
    Column("applied_on", Date, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(20), nullable=False),  # applied | approved | rejected
    Column("decided_by", String(200), nullable=True),
    Column("decision_note", Text, nullable=False),
    # Set when the moves were made: on approval, or by the sweep on the effective date.
    Column("carried_out_on", Date, nullable=True),
)

# Forced returns (EQ-3.2.4) and the replacement the unit owes.
returns = Table(
    "returns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("staff_id", String(63), ForeignKey("staff.id"), nullable=False),
    Column("unit_code", String(63), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("returned_on", Date, nullable=False),
    Column("replacement_due_on", Date, nullable=False),
    Column("replacement_staff_id", String(63), nullable=True),
    Column("escalated", Boolean, nullable=False),
)

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

# Training (TJ-7.1) and attendance (TJ-7.3).
trainings = Table(
    "trainings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("staff_id", String(63), ForeignKey("staff.id"), nullable=False, index=True),
    Column("course", String(200), nullable=False),
    Column("hours", Integer, nullable=False),
    Column("provider", String(20), nullable=False),  # authority | window | unit
    Column("held_on", Date, nullable=False),
)
attendance = Table(
    "attendance",
    metadata,
    Column("staff_id", String(63), ForeignKey("staff.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    # present | absent_approved | absent_unapproved | late
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index("ix_attendance_day", "day"),
)

# --- The annual assessment (EQ-3.2.2a–d) -------------------------------------------------------
# Points are kept in hundredths (integers) so every total adds up exactly on every database.

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
