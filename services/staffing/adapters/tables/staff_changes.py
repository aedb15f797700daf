"""Changes to who stands at a post: absences and cover (EQ-3.2.5), rotations and swaps
(EQ-3.2.3), forced returns (EQ-3.2.4).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text

from services.staffing.adapters.tables.base import metadata

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
