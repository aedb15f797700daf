"""The draws tables (TJ-7.4): inspectors, sampling plans, spot checks, and the draws made for
them, each recording its population, parameters, seed and selection."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from services.inspection.adapters.tables.base import metadata
from shared.sqltypes import UTCDateTime

inspectors = Table(
    "inspectors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    # None: the authority's own staff, recused only by the conflicts they declare.
    Column("home_unit", String(63), nullable=True),
    Column("conflicts", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("registered_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

sampling_plans = Table(
    "sampling_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("rate", Numeric(5, 4), nullable=False),
    Column("minimum_per_window", Integer, nullable=False),
    Column("checklist", JSON, nullable=False),
    Column("seed_source", String(500), nullable=False),
    Column("draw_on", Date, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("rate > 0 AND rate <= 1", name="ck_sampling_plans_rate"),
    CheckConstraint("minimum_per_window >= 1", name="ck_sampling_plans_minimum"),
    CheckConstraint("period_from <= period_to", name="ck_sampling_plans_period"),
)

spot_checks = Table(
    "spot_checks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("days", JSON, nullable=False),
    Column("windows", Integer, nullable=True),
    Column("rate", Numeric(5, 4), nullable=True),
    Column("inspectors_per_window", Integer, nullable=False),
    Column("checklist", JSON, nullable=False),
    Column("seed_source", String(500), nullable=False),
    Column("draw_on", Date, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # The population committed when the check is planned, before its seed's value is known: the
    # draw is made from it or refused (TJ-7.4). Null for checks planned before it was kept.
    Column("population", JSON, nullable=True),
    Column("population_digest", String(64), nullable=True),
    Column("population_at", UTCDateTime(), nullable=True),
    # TJ-7.4: at least two inspectors at every check, held by the database too.
    CheckConstraint("inspectors_per_window >= 2", name="ck_spot_checks_inspectors"),
    CheckConstraint("(windows IS NULL) <> (rate IS NULL)", name="ck_spot_checks_windows_or_rate"),
)

draws = Table(
    "draws",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("plan_id", Integer, nullable=False),
    # 1 for a plan's first draw; a later round gives its reason and supersedes the one before.
    Column("round", Integer, nullable=False),
    Column("seed_source", String(500), nullable=False),
    Column("seed_value", String(200), nullable=False),
    Column("seed", String(64), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("population", JSON, nullable=False),
    Column("population_digest", String(64), nullable=False),
    Column("population_size", Integer, nullable=False),
    Column("selection", JSON, nullable=False),
    Column("selection_size", Integer, nullable=False),
    Column("draw_digest", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("drawn_by", String(200), nullable=False),
    Column("drawn_at", UTCDateTime(), nullable=False),
    Column("superseded_by", Integer, ForeignKey("draws.id"), nullable=True),
    # Two people drawing a plan at once both claim the same round: one of them gets a 409.
    UniqueConstraint("kind", "plan_id", "round", name="ux_draws_plan_round"),
)

# The cases a sampling draw picked, one row each: how a unit finds its own (and only its own).
sampled_cases = Table(
    "sampled_cases",
    metadata,
    Column("draw_id", Integer, ForeignKey("draws.id"), primary_key=True),
    Column("case_id", Integer, primary_key=True, autoincrement=False),
    Column("window_id", Integer, nullable=False),
    Column("unit_code", String(63), nullable=False),
    Index("ix_sampled_cases_unit", "unit_code", "draw_id"),
)
