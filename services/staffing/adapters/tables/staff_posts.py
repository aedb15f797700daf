"""Staff records, the posts of windows, who holds each as A or B, and chief representatives
(EQ-3.1a, EQ-3.1b, EQ-3.2.5).
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
    String,
    Table,
    Text,
    text,
)

from services.staffing.adapters.tables.base import metadata
from shared.sqltypes import UTCDateTime

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
