"""Local rules as data, the sanctions they propose, and accountability cases (issue 8 points
3, 4, 6, 8), on inspection's one metadata. Nothing here is deleted: a rule's edit is a new
version, a proposal is settled (never removed), and a corrected outcome is a new entry."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
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

# Every version of every local rule; the highest version of a rule_id is the one in force.
local_rules = Table(
    "local_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rule_id", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("trigger", String(30), nullable=False),
    Column("params", JSON, nullable=False),
    Column("proposes", String(20), nullable=False),
    Column("basis", String(10), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("description", Text, nullable=False),
    Column("note", Text, nullable=False),  # why this version was made
    Column("changed_by", String(200), nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    # Two concurrent edits of one version: one meets the key and is a 409.
    UniqueConstraint("rule_id", "version", name="uq_local_rules_version"),
)

sanction_proposals = Table(
    "sanction_proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("window_id", Integer, nullable=False),
    Column("unit_code", String(63), nullable=False),
    Column("basis", String(10), nullable=False),
    Column("reason", Text, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("complaints", JSON, nullable=False),
    Column("facts", JSON, nullable=False),  # months ranked last, the order missed, …
    Column("rule_id", String(40), nullable=True),
    Column("rule_version", Integer, nullable=True),
    # The same facts are proposed once only, by any number of sweeps and workers.
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("status", String(10), nullable=False),
    Column("proposed_by", String(200), nullable=False),
    Column("proposed_at", UTCDateTime(), nullable=False),
    Column("sanction_id", Integer, nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", UTCDateTime(), nullable=True),
    Column("note", Text, nullable=True),
    Index("ix_sanction_proposals_status", "status", "id"),
    Index("ix_sanction_proposals_window", "window_id", "id"),
    Index("ix_sanction_proposals_rule", "rule_id"),
)

accountability_cases = Table(
    "accountability_cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("staff_id", String(63), nullable=False, index=True),
    Column("window_id", Integer, nullable=False),
    Column("unit_code", String(63), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("complaints", JSON, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("summary", Text, nullable=False),
    Column("district", String(100), nullable=False),
    Column("district_office", String(200), nullable=False),
    Column("district_contact", String(200), nullable=False),
    Column("status", String(12), nullable=False),
    Column("opened_by", String(200), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("district_opinion", Text, nullable=True),
    Column("opinion_given_by", String(200), nullable=True),
    Column("opinion_recorded_by", String(200), nullable=True),
    Column("opinion_recorded_at", UTCDateTime(), nullable=True),
)

# Each outcome of a case; a correction is a new row naming the one it replaces (unique: two
# concurrent corrections of one outcome cannot both stand).
accountability_outcomes = Table(
    "accountability_outcomes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("accountability_cases.id"), nullable=False, index=True),
    Column("outcome", String(30), nullable=False),
    # The rule the outcome applies (TJ-8.3), in a field as every sanction's basis is.
    Column("rule", String(20), nullable=False, server_default="TJ-8.3"),
    Column("reasons", Text, nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=False),
    Column("corrects_id", Integer, ForeignKey("accountability_outcomes.id"), nullable=True),
    UniqueConstraint("corrects_id", name="uq_accountability_outcomes_corrects"),
)
