"""Issue 6, point 9: opening, scoring and finalising a year's assessment of 10,000 staff.

Loads a year of assessment inputs for N window staff (default 1,000 and 10,000) into a fresh
PostgreSQL database per size, times staffing's own handlers (`open_cycle`, `score`, `finalise`:
one call each, the whole hall per call, as the center makes them), and prints their times, the
ratio between the largest and the smallest size, and each call's ratio to a baseline measured in
the same run: plain SQL that reads every input the scoring needs once. It then checks the result
lightly: the excellent quota, a personal record per assessed person, the assessed set, and the
explanation of a few sampled staff (its lines add up to the stored total, and it is not stale).

    .venv/bin/python -m bench.assessment_scale [--sizes 1000 10000] [--year 2025]

Every database this script creates (`govhall_bench_assess_<size>_<run>`) is dropped on exit, also
after an error, Ctrl-C, SIGTERM or the `--max-seconds` alarm.
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import io
import os
import pstats
import random
import resource
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import FrameType
from typing import Any

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.engine import Connection, Engine

import services.staffing as staffing
from bench.cases_scale import Alarm, _interruption, _progress, fresh_database
from services.staffing.adapters import tables
from services.staffing.contracts import assessment as contracts
from services.staffing.domain import assessment_quota as quota_rules
from services.staffing.handlers import (
    assessment,
    assessment_grades,
    assessment_reports,
    assessment_scoring,
)
from shared import config, migrate
from shared.service import ServiceRuntime

UNITS = 40
STEPS = 150  # case steps per staff member and year, on average
EVALUATIONS = 30  # evaluations naming a staff member, per year
WINDOW_EVALUATIONS = 5  # evaluations of a window that name nobody, per year
SAMPLES = 12  # staff whose explanation is checked, per size
BASELINE_RUNS = 5
LOAD_TIMEOUT_MS = 900_000
LEVELS = (
    "ARRAY['very_dissatisfied', 'dissatisfied', 'basically_satisfied', 'satisfied',"
    " 'very_satisfied']"
)
ACTOR = "center:bench"
HALL_CODE = "bench-hall"  # the one hall, whose cycle is timed (EQ-3.2.2a: a cycle per hall)


# ---------------------------------------------------------------------------------------------
# the hall: staff, windows, posts, assignments (built in Python, a few thousand rows)


@dataclass(frozen=True)
class Span:
    """A stretch of the year a staff member served: at a window, or in a unit's office (chief
    representative or deputy, no window). `lo`..`hi` index the year's working days (1-based)."""

    staff_id: str
    window_id: int | None
    unit_code: str
    lo: int
    hi: int
    pace: float  # workload: case steps × 0.6–1.4
    care: float  # share of late steps: care × 10 %
    mood: float  # how well the public rates them: 0 best
    habit: float  # lateness and unapproved absence: × 0–1, × 3–8 for 2 % of staff
    complaints: int
    findings: int


@dataclass
class Hall:
    n: int
    year: int
    workdays: list[date]
    units: list[dict[str, Any]] = field(default_factory=list)
    windows: list[dict[str, Any]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    staff: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    chiefs: list[dict[str, Any]] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # staff id → how they served


def unit_of(window: int) -> str:
    return f"U{1 + (window - 1) % UNITS:02d}"


def kind_of(i: int) -> str:
    """How staff member i served the year: 5 % moved windows mid-year (in pairs that swap
    seats), 5 % joined and 5 % left during the year, 2 % left the year before (not assessed)."""
    if i % 20 == 1:
        return "mover"
    if i % 20 == 3:
        return "joined"
    if i % 20 == 13:
        return "left"
    if i % 50 == 7:
        return "gone"
    return "all year"


def build_hall(n: int, year: int, workdays: list[date], now: datetime) -> Hall:
    """N/4 windows with two posts each, an A and a B on each post: N seats, staff i on seat i.
    Each of the 40 units also has a chief representative and a deputy, with no window."""
    hall = Hall(n, year, workdays)
    rng = random.Random(n)
    first = date(year, 1, 1)
    hall.units = [
        {
            "code": f"U{u:02d}",
            "name": f"单位 {u}",
            "district": "和平区",
            "learned_at": now,
            "source_event_id": str(uuid.uuid4()),
        }
        for u in range(1, UNITS + 1)
    ]
    for w in range(1, n // 4 + 1):
        hall.windows.append(
            {
                "id": w,
                "unit_code": unit_of(w),
                "co_units": [],
                "name_zh": f"窗口 {w}",
                "name_en": f"Window {w}",
                "type": "permanent",
                "state": "active",
                "source_event_id": str(uuid.uuid4()),
                "hall_code": HALL_CODE,
            }
        )
        for k, name in ((1, "acceptance"), (2, "approval")):
            post = {"id": 2 * (w - 1) + k, "window_id": w, "name": name, "created_at": now}
            hall.posts.append(post)

    def seat(s: int, staff_id: str, starts: date, ends: date | None, why: str = "") -> None:
        post = (s + 1) // 2
        hall.assignments.append(
            {
                "post_id": post,
                "window_id": (post + 1) // 2,
                "staff_id": staff_id,
                "role": "A" if s % 2 else "B",
                "starts_on": starts,
                "ends_on": ends,
                "end_reason": why,
            }
        )

    for i in range(1, n + 1):
        staff_id, kind = f"S{i:06d}", kind_of(i)
        hall.kinds[staff_id] = kind
        home = unit_of((i + 3) // 4)
        hall.staff.append(_member(staff_id, i, home, "active", now))
        earlier = date(year - 1 - i % 4, 1 + i % 12, 1 + i % 28)
        if kind == "mover":
            lower = i if i <= n // 2 else i - n // 2
            partner = i + n // 2 if i <= n // 2 else i - n // 2
            moved = first + timedelta(days=40 + lower * 29 % 280)
            seat(i, staff_id, earlier, moved, "rotation")
            seat(partner, staff_id, moved, None)
        elif kind == "joined":
            seat(i, staff_id, first + timedelta(days=15 + i * 37 % 320), None)
        elif kind == "left":
            seat(i, staff_id, earlier, first + timedelta(days=20 + i * 53 % 320), "returned")
            hall.staff[-1]["status"] = "returned"
        elif kind == "gone":
            seat(i, staff_id, earlier, date(year - 1, 6, 30) + timedelta(days=i % 150), "left")
            hall.staff[-1]["status"] = "returned"
        else:
            seat(i, staff_id, earlier, None)
    office_start = date(year - 2, 3, 1)
    for u in range(1, UNITS + 1):
        code = f"U{u:02d}"
        chief, deputy = f"C{code}", f"D{code}"
        for number, staff_id in ((n + 2 * u - 1, chief), (n + 2 * u, deputy)):
            hall.staff.append(_member(staff_id, number, code, "active", now))
            hall.kinds[staff_id] = "office"
        hall.chiefs.append(
            {
                "unit_code": code,
                "staff_id": chief,
                "deputy_staff_id": deputy,
                "powers": ["approval"],
                "full_time": True,
                "starts_on": office_start,
                "ends_on": None,
                "replacement_reason": "",
            }
        )
    after = date(year + 1, 1, 1)
    periods = [
        (a["staff_id"], a["window_id"], a["starts_on"], a["ends_on"]) for a in hall.assignments
    ]
    periods += [
        (c[k], None, c["starts_on"], c["ends_on"])
        for c in hall.chiefs
        for k in ("staff_id", "deputy_staff_id")
    ]
    units = {m["id"]: m["unit_code"] for m in hall.staff}
    for staff_id, window_id, starts, ends in periods:
        start, end = max(starts, first), min(ends or after, after)
        if start >= end:
            continue
        lo = bisect.bisect_left(workdays, start) + 1
        hi = bisect.bisect_left(workdays, end)
        troubled = rng.random() < 0.03 and window_id is not None
        hall.spans.append(
            Span(
                staff_id,
                window_id,
                unit_of(window_id) if window_id else units[staff_id],
                lo,
                hi,
                pace=rng.random(),
                care=rng.random(),
                mood=rng.random(),
                habit=rng.random() if rng.random() >= 0.02 else 3 + 5 * rng.random(),
                complaints=rng.choice((1, 1, 2)) if troubled else 0,
                findings=rng.choice((1, 1, 2)) if rng.random() < 0.03 and window_id else 0,
            )
        )
    return hall


def _member(staff_id: str, i: int, unit_code: str, status: str, now: datetime) -> dict[str, Any]:
    return {
        "id": staff_id,
        "unit_code": unit_code,
        "name": f"员工 {i}",
        "id_number": f"1101{i:014d}",
        "phone": f"139{i:08d}",
        "birth_date": date(1970 + i % 25, 1 + i % 12, 1 + i % 28),
        "employment": "civil_servant" if i % 3 else "formal_staff",
        "law_enforcement_cert": f"LE-{i:06d}",
        "work_started_on": date(1995 + i % 20, 9, 1),
        "knows_approval_work": True,
        "age_exception_reason": "",
        "age_exception_approved_by": None,
        "status": status,
        "registered_at": now,
        "version": 1,
    }


# ---------------------------------------------------------------------------------------------
# the year's inputs (INSERT ... SELECT over a temporary table of spans: millions of rows never
# cross the wire). MATERIALIZED so that each random() is drawn once per row.

CASE_WORK_SQL = """
INSERT INTO case_work (event_id, staff_id, case_id, stage, "on", window_id, unit_code, overdue)
SELECT gen_random_uuid()::text, staff_id, 1 + floor(random() * :cases)::int,
       (ARRAY['accepted', 'handled', 'reviewed', 'approved', 'issued'])
           [1 + floor(random() * 5)::int],
       (CAST(:workdays AS date[]))[lo + floor(random() * (hi - lo + 1))::int],
       window_id, unit_code, random() < care * 0.1
FROM bench_spans,
     generate_series(1, round(CAST(:per_year AS float8) * (hi - lo + 1) / :days
                              * (0.6 + 0.8 * pace))::int)
WHERE window_id IS NOT NULL AND hi >= lo
"""

# Evaluations naming a staff member: most are good, how good depends on the person (`mood`).
EVALUATIONS_SQL = f"""
WITH drawn AS MATERIALIZED (
    SELECT staff_id, window_id, unit_code, mood, random() AS r,
           (CAST(:workdays AS date[]))[lo + floor(random() * (hi - lo + 1))::int] AS day
    FROM bench_spans,
         generate_series(1, round(CAST(:per_year AS float8) * (hi - lo + 1) / :days)::int)
    WHERE window_id IS NOT NULL AND hi >= lo
), scored AS MATERIALIZED (
    SELECT drawn.*,
           CASE WHEN r < 0.01 + 0.04 * mood THEN 1
                WHEN r < 0.03 + 0.09 * mood THEN 2
                WHEN r < 0.08 + 0.21 * mood THEN 3
                WHEN r < 0.33 + 0.31 * mood THEN 4
                ELSE 5 END AS value
    FROM drawn
)
INSERT INTO assessment_inputs
    (event_id, ref, kind, staff_id, window_id, unit_code, "on", value, detail, voided_by)
SELECT gen_random_uuid()::text, 'evaluation:' || row_number() OVER (), 'evaluation',
       staff_id, window_id, unit_code, day, value, ({LEVELS})[value],
       CASE WHEN random() < 0.01 THEN gen_random_uuid()::text END
FROM scored
"""

# Upheld complaints and findings naming a staff member (about 3 % of staff each).
STAFF_PENALTIES_SQL = """
INSERT INTO assessment_inputs
    (event_id, ref, kind, staff_id, window_id, unit_code, "on", value, detail, voided_by)
SELECT gen_random_uuid()::text, CAST(:kind AS text) || ':' || row_number() OVER (), :kind,
       staff_id, window_id, unit_code,
       (CAST(:workdays AS date[]))[lo + floor(random() * (hi - lo + 1))::int], 1,
       (CAST(:details AS text[]))[1 + floor(random() * cardinality(CAST(:details AS text[])))::int],
       NULL
FROM bench_spans,
     generate_series(1, CASE WHEN CAST(:finding AS boolean) THEN findings ELSE complaints END)
WHERE window_id IS NOT NULL AND hi >= lo
"""

# What names no staff member: evaluations of windows, findings and upheld complaints against a
# window (5 % and 3 % of windows) and sanctions (2 % of windows).
WINDOW_FACTS_SQL = f"""
WITH w AS MATERIALIZED (
    SELECT id, unit_code, random() AS f, random() AS c, random() AS s FROM windows
), kinds AS MATERIALIZED (
    SELECT id, unit_code, 'evaluation' AS kind FROM w, generate_series(1, :evaluations)
    UNION ALL SELECT id, unit_code, 'finding' FROM w WHERE f < 0.05
    UNION ALL SELECT id, unit_code, 'complaint_upheld' FROM w WHERE c < 0.03
    UNION ALL SELECT id, unit_code, 'sanction' FROM w WHERE s < 0.02
), facts AS MATERIALIZED (
    SELECT id AS window_id, unit_code, kind, random() AS r,
           (CAST(:workdays AS date[]))[1 + floor(random() * :days)::int] AS day
    FROM kinds
)
INSERT INTO assessment_inputs
    (event_id, ref, kind, staff_id, window_id, unit_code, "on", value, detail, voided_by)
SELECT gen_random_uuid()::text,
       'window-' || kind || ':' || row_number() OVER (), kind, NULL, window_id, unit_code, day,
       CASE WHEN kind = 'evaluation' THEN 2 + floor(r * 4)::int ELSE 1 END,
       CASE kind
           WHEN 'evaluation' THEN ({LEVELS})[2 + floor(r * 4)::int]
           WHEN 'finding' THEN (ARRAY['minor', 'minor', 'major', 'serious'])[1 + floor(r * 4)::int]
           WHEN 'sanction' THEN (ARRAY['interview', 'rectification'])[1 + floor(r * 2)::int]
           ELSE 'buck_passing' END,
       NULL
FROM facts
"""

TRAININGS_SQL = """
WITH people AS MATERIALIZED (
    SELECT staff_id, min(lo) AS lo, max(hi) AS hi, 1 + floor(random() * 5)::int AS sessions
    FROM bench_spans WHERE hi >= lo GROUP BY staff_id
)
INSERT INTO trainings (staff_id, course, hours, provider, held_on)
SELECT staff_id, 'Course ' || (1 + floor(random() * 60)::int),
       (ARRAY[2, 4, 4, 6, 8, 16])[1 + floor(random() * 6)::int],
       (ARRAY['authority', 'window', 'unit'])[1 + floor(random() * 3)::int],
       (CAST(:workdays AS date[]))[lo + floor(random() * (hi - lo + 1))::int]
FROM people, generate_series(1, sessions)
"""

# One row per staff member and working day served: 2 % absent with approval; late and absent
# without approval by person (`habit`): 1.2 % and 0.4 % of days on average, 7–19 % and 2–6 % for
# the 2 % of staff with a habit of it (they come out basically competent or incompetent).
ATTENDANCE_SQL = """
WITH days AS MATERIALIZED (
    SELECT staff_id, unit_code, habit, (CAST(:workdays AS date[]))[k] AS day, random() AS r
    FROM bench_spans, generate_series(lo, hi) AS k
), marked AS MATERIALIZED (
    SELECT staff_id, unit_code, day,
           CASE WHEN r < 0.008 * habit THEN 'absent_unapproved'
                WHEN r < 0.032 * habit THEN 'late'
                WHEN r < 0.032 * habit + 0.02 THEN 'absent_approved'
                ELSE 'present' END AS status
    FROM days
)
INSERT INTO attendance (staff_id, day, status, note, recorded_by, recorded_at)
SELECT staff_id, day, status, '', 'unit:' || unit_code, :now
FROM marked
WHERE :everything OR status <> 'present'
"""

INPUT_TABLES = ("case_work", "assessment_inputs", "trainings", "attendance")


def load(rt: ServiceRuntime, hall: Hall, attendance: str, ddl: Sequence[str]) -> dict[str, Any]:
    now = datetime.now(UTC)
    days = {"workdays": hall.workdays, "days": len(hall.workdays)}
    with rt.db.engine.begin() as conn:
        conn.execute(text(f"SET LOCAL statement_timeout = {LOAD_TIMEOUT_MS}"))
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no FK triggers
        conn.execute(text("SELECT setseed(:seed)"), {"seed": 1 / (1 + hall.n % 997)})
        indexes = secondary_indexes(conn, INPUT_TABLES)
        for name in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(insert(tables.units), hall.units)
        conn.execute(insert(tables.windows), hall.windows)
        conn.execute(insert(tables.posts), hall.posts)
        conn.execute(insert(tables.staff), hall.staff)
        conn.execute(insert(tables.assignments), hall.assignments)
        conn.execute(insert(tables.chief_representatives), hall.chiefs)
        conn.execute(
            text(
                "CREATE TEMPORARY TABLE bench_spans (staff_id text, window_id int,"
                " unit_code text, lo int, hi int, pace float8, care float8, mood float8,"
                " habit float8, complaints int, findings int) ON COMMIT DROP"
            )
        )
        conn.execute(
            text(
                "INSERT INTO bench_spans VALUES (:staff_id, :window_id, :unit_code, :lo, :hi,"
                " :pace, :care, :mood, :habit, :complaints, :findings)"
            ),
            [vars(span) for span in hall.spans],
        )
        conn.execute(text("ANALYZE bench_spans"))
        conn.execute(text(CASE_WORK_SQL), {**days, "per_year": STEPS, "cases": 50 * hall.n})
        conn.execute(text(EVALUATIONS_SQL), {**days, "per_year": EVALUATIONS})
        minor = ["minor", "minor", "minor", "major", "major", "serious"]
        misconduct = ["buck_passing", "soliciting_favours", "abuse_of_power", ""]
        for kind, details in (("complaint_upheld", misconduct), ("finding", minor)):
            parameters = {"kind": kind, "details": details, "finding": kind == "finding"}
            conn.execute(text(STAFF_PENALTIES_SQL), {**days, **parameters})
        conn.execute(text(WINDOW_FACTS_SQL), {**days, "evaluations": WINDOW_EVALUATIONS})
        conn.execute(text(TRAININGS_SQL), days)
        conn.execute(text(ATTENDANCE_SQL), {**days, "now": now, "everything": attendance == "all"})
        for statement in indexes.values():
            conn.execute(text(statement))
        for statement in ddl:
            conn.execute(text(statement))
    with rt.db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM (ANALYZE)"))
        return counts(conn, hall.year)


def counts(conn: Connection, year: int) -> dict[str, Any]:
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    found: dict[str, Any] = {
        name: conn.execute(select(func.count()).select_from(tables.metadata.tables[name])).scalar()
        for name in ("staff", "windows", "assignments", *INPUT_TABLES)
    }
    facts = tables.assessment_inputs.c
    by_kind = conn.execute(
        select(facts.kind, func.count())
        .where(facts.on >= first, facts.on < after)
        .group_by(facts.kind)
    ).all()
    found["facts"] = dict(sorted((kind, n) for kind, n in by_kind))
    at = tables.attendance.c
    found["penalised days"] = conn.execute(
        select(func.count()).where(at.status.in_(("absent_unapproved", "late")))
    ).scalar()
    found["inputs"] = sum(found[name] for name in INPUT_TABLES)
    found["size"] = conn.execute(
        text("SELECT pg_size_pretty(pg_database_size(current_database()))")
    ).scalar()
    return found


def secondary_indexes(conn: Connection, tables: Sequence[str]) -> dict[str, str]:
    """Name → CREATE INDEX statement of each index on `tables` that backs no constraint."""
    rows = conn.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ),
        {"tables": list(tables)},
    ).all()
    return {row.indexname: row.indexdef for row in rows}


def workdays_of(rt: ServiceRuntime, year: int) -> list[date]:
    day, after, found = date(year, 1, 1), date(year + 1, 1, 1), []
    while day < after:
        if rt.calendar.is_workday(day):
            found.append(day)
        day += timedelta(days=1)
    return found


def runtime(url: str) -> ServiceRuntime:
    settings = config.load("staffing", {"database_url": url, "jwt_secret": "b" * 40})
    return ServiceRuntime(staffing.SPEC, settings)


# ---------------------------------------------------------------------------------------------
# measuring


@dataclass
class Timing:
    seconds: float
    sql_seconds: float = 0.0
    statements: int = 0
    rss_mb: float = 0.0  # the process's peak resident memory after the call
    profile: str = ""


@dataclass
class SizeResult:
    size: int
    load_seconds: float
    counts: dict[str, Any]
    assessed: int = 0
    grades: dict[str, int] = field(default_factory=dict)
    times: dict[str, Timing] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)


@contextmanager
def sql_clock(engine: Engine) -> Iterator[Timing]:
    """Counts the statements the block sends and the time spent waiting for them."""
    timing = Timing(0.0)
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(*_: Any) -> None:
        timing.sql_seconds += time.perf_counter() - started.pop()
        timing.statements += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield timing
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def timed(engine: Engine, call: Callable[[], Any], profile: bool = False) -> Timing:
    profiler = cProfile.Profile() if profile else None
    with sql_clock(engine) as timing:
        start = time.perf_counter()
        if profiler is not None:
            profiler.runcall(call)
        else:
            call()
        timing.seconds = time.perf_counter() - start
    timing.rss_mb = peak_rss_mb()
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        timing.profile = out.getvalue()
    return timing


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


BASELINE = """
SELECT staff_id, count(*), count(*) FILTER (WHERE NOT overdue) FROM case_work
 WHERE "on" >= :first AND "on" < :after GROUP BY staff_id;
SELECT staff_id, count(*), sum(value) FROM assessment_inputs
 WHERE "on" >= :first AND "on" < :after AND kind = 'evaluation' AND staff_id IS NOT NULL
   AND voided_by IS NULL GROUP BY staff_id;
SELECT * FROM assessment_inputs
 WHERE "on" >= :first AND "on" < :after AND voided_by IS NULL
   AND (kind <> 'evaluation' OR staff_id IS NULL);
SELECT * FROM trainings WHERE held_on >= :first AND held_on < :after;
SELECT * FROM attendance
 WHERE day >= :first AND day < :after AND status IN ('absent_unapproved', 'late');
SELECT * FROM assignments WHERE starts_on < :after AND (ends_on IS NULL OR ends_on > :first)
"""


def baseline(engine: Engine, year: int) -> Callable[[], Any]:
    """Plain SQL that reads once every input a scoring needs, summed where a sum is enough (case
    steps and evaluations), the rest row by row: the least work any scoring can do."""
    window = {"first": date(year, 1, 1), "after": date(year + 1, 1, 1)}
    statements = [text(s) for s in BASELINE.split(";")]

    def run() -> int:
        with engine.connect() as conn:
            return sum(len(conn.execute(s, window).all()) for s in statements)

    return run


def bench_size(n: int, year: int, attendance: str, ddl: Sequence[str], profile: bool) -> SizeResult:
    name = f"govhall_bench_assess_{n}_{uuid.uuid4().hex[:6]}"
    with fresh_database(name) as url:
        rt = runtime(url)
        try:
            migrate.upgrade(rt)
            _progress(n, "loading ...")
            start = time.perf_counter()
            hall = build_hall(n, year, workdays_of(rt, year), datetime.now(UTC))
            found = load(rt, hall, attendance, ddl)
            result = SizeResult(n, time.perf_counter() - start, found)
            _progress(n, f"loaded in {result.load_seconds:.1f}s: {found}")
            engine = rt.db.engine
            run = baseline(engine, year)
            run()  # warm-up: every table read once, so the first handler finds it in cache
            samples = [timed(engine, run) for _ in range(BASELINE_RUNS - BASELINE_RUNS // 2)]
            uow = rt.uow(actor=ACTOR)
            opened_on, finalised_on = date(year + 1, 1, 10), date(year + 1, 1, 31)
            calls: list[tuple[str, Callable[[], Any]]] = [
                (
                    "open_cycle",
                    lambda: assessment.open_cycle(uow, {"year": year}, HALL_CODE, opened_on),
                ),
                ("score", lambda: assessment_scoring.score(uow, HALL_CODE, year)),
                (
                    "finalise",
                    lambda: assessment_grades.finalise(uow, HALL_CODE, year, finalised_on),
                ),
            ]
            for label, call in calls:
                _progress(n, f"{label} ...")
                result.times[label] = timed(engine, call, profile)
                _progress(n, f"{label}: {result.times[label].seconds:.2f}s")
            # The rest of the baseline after the calls: the machine may be busier now or then.
            samples += [timed(engine, run) for _ in range(BASELINE_RUNS // 2)]
            samples.sort(key=lambda t: t.seconds)
            result.times = {"baseline": samples[len(samples) // 2], **result.times}
            check(rt, hall, result)
            _progress(n, "done")
            return result
        finally:
            rt.db.dispose()


# ---------------------------------------------------------------------------------------------
# checking


def check(rt: ServiceRuntime, hall: Hall, result: SizeResult) -> None:
    """Light checks after finalising; what fails is added to the result's findings."""
    year, found = hall.year, result.findings
    results, records = tables.assessment_results, tables.personal_records
    with rt.db.engine.connect() as conn:
        graded = dict(
            conn.execute(
                select(results.c.grade, func.count())
                .where(results.c.year == year)
                .group_by(results.c.grade)
            ).all()
        )
        assessed = set(
            conn.execute(select(results.c.staff_id).where(results.c.year == year)).scalars()
        )
        recorded = set(
            conn.execute(select(records.c.staff_id).where(records.c.year == year)).scalars()
        )
        outbox = rt.db.table("outbox")
        told = conn.execute(
            select(func.count()).where(outbox.c.type == contracts.GRADE_RECORDED.name)
        ).scalar()
    result.assessed = len(assessed)
    result.grades = dict(sorted(graded.items(), key=lambda item: str(item[0])))
    excellent = graded.get("excellent", 0)
    if excellent > quota_rules.quota(len(assessed)):
        found.append(f"{excellent} excellent of {len(assessed)} assessed: over the 20 % quota")
    if assessed - recorded or recorded - assessed:
        found.append(
            f"personal records: {len(assessed - recorded)} assessed staff without one, "
            f"{len(recorded - assessed)} for staff not assessed"
        )
    served = {span.staff_id for span in hall.spans if span.hi >= span.lo}
    if assessed != served:
        missing, extra = sorted(served - assessed), sorted(assessed - served)
        found.append(
            f"assessed set: {len(missing)} who served are missing (e.g. {missing[:3]}), "
            f"{len(extra)} who did not serve are in (e.g. {extra[:3]})"
        )
    if told != excellent + graded.get("incompetent", 0):
        found.append(f"{told} grade_recorded events for {excellent} excellent and incompetent")
    if None in graded:
        found.append(f"{graded[None]} assessed staff have no grade after finalising")
    explain_samples(rt, hall, result, sorted(assessed))


def explain_samples(
    rt: ServiceRuntime, hall: Hall, result: SizeResult, assessed: list[str]
) -> None:
    """The explanation of a few staff of every kind (and the penalised) adds up and is fresh."""
    rng = random.Random(hall.n)
    penalised = {s.staff_id for s in hall.spans if s.complaints or s.findings}
    pools = [
        [s for s in assessed if hall.kinds[s] == kind]
        for kind in ("all year", "mover", "joined", "left", "office")
    ] + [[s for s in assessed if s in penalised]]
    picked: list[str] = []
    while len(picked) < SAMPLES and any(pools):
        for pool in pools:
            if pool and len(picked) < SAMPLES:
                picked.append(pool.pop(rng.randrange(len(pool))))
    uow = rt.uow(actor=ACTOR)
    seconds = []
    for staff_id in picked:
        start = time.perf_counter()
        said = assessment_reports.explanation(uow, HALL_CODE, hall.year, staff_id, None)
        seconds.append(time.perf_counter() - start)
        lines = sum((line["points"] for line in said["lines"]), start=0)
        if lines != said["total"] or said["total"] != said["scored_total"] or said["stale"]:
            result.findings.append(
                f"explanation of {staff_id} ({hall.kinds[staff_id]}): lines add up to {lines}, "
                f"total {said['total']}, stored {said['scored_total']}, stale {said['stale']}"
            )
    result.times["explanation (1 staff)"] = Timing(statistics.median(seconds))


# ---------------------------------------------------------------------------------------------
# reporting


def report(results: list[SizeResult], year: int) -> list[str]:
    small, large = results[0], results[-1]
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nyear {year}; {os.cpu_count()} CPUs, load average now {load}; "
        f"peak RSS of this process {peak_rss_mb():,.0f} MB\n"
    )
    head = (
        f"{'staff':>7} {'assessed':>8} {'case steps':>11} {'facts':>9} {'trainings':>9} "
        f"{'attendance':>10} {'(penalised)':>11} {'inputs':>10} {'load s':>7} {'db':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        c = r.counts
        print(
            f"{r.size:>7,} {r.assessed:>8,} {c['case_work']:>11,} {c['assessment_inputs']:>9,} "
            f"{c['trainings']:>9,} {c['attendance']:>10,} {c['penalised days']:>11,} "
            f"{c['inputs']:>10,} {r.load_seconds:>7.1f} {c['size']:>8}"
        )
    for r in results:
        print(f"{r.size:>7,} staff: facts {r.counts['facts']}; grades {r.grades}")
    print()
    labels = [_label(r.size) for r in results]
    head = (
        f"{'call':<22}"
        + "".join(f" {label + ' s':>9}" for label in labels)
        + f" {'ratio':>7}"
        + "".join(f" {'×base ' + label:>10}" for label in labels)
        + f" {'sql s':>7} {'stmts':>7} {'RSS MB':>7}"
    )
    print(head)
    print("-" * len(head))
    for name, t_large in large.times.items():
        row = f"{name:<22}" + "".join(f" {r.times[name].seconds:>9.3f}" for r in results)
        row += f" {t_large.seconds / small.times[name].seconds:>7.2f}"
        row += "".join(
            f" {r.times[name].seconds / r.times['baseline'].seconds:>10.2f}" for r in results
        )
        if name == "explanation (1 staff)":
            print(row)
            continue
        print(
            row + f" {t_large.sql_seconds:>7.2f} {t_large.statements:>7,} {t_large.rss_mb:>7,.0f}"
        )
    print(
        f"(one call each; baseline = median of {BASELINE_RUNS} runs, before and after the "
        f"calls, of plain SQL reading every input once; ratio = {labels[-1]} / {labels[0]}; "
        f"×base = the call / that size's baseline; sql s, stmts, RSS MB at {labels[-1]}: "
        "time waiting for the database, statements sent, peak RSS of the process after the call)"
    )
    for name, timing in large.times.items():
        if timing.profile:
            print(f"\n== profile of {name} at {large.size:,} staff\n{timing.profile}")
    findings = [f"{r.size:,} staff: {f}" for r in results for f in r.findings]
    print()
    if findings:
        print("FINDINGS")
        for finding in findings:
            print(f"- {finding}")
    else:
        print(
            "No findings: the quota holds, every assessed person has a personal record, the "
            "assessed are exactly those who served, and each sampled explanation adds up to its "
            "stored total and is not stale."
        )
    return findings


def _label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1_000, 10_000], help="window staff (× 40)"
    )
    parser.add_argument("--year", type=int, default=2025, help="the year assessed")
    parser.add_argument(
        "--attendance",
        choices=("all", "exceptions"),
        default="all",
        help="a row per staff member and working day (all), or only the days not present",
    )
    parser.add_argument("--max-seconds", type=int, default=900, help="give up after this long")
    parser.add_argument(
        "--ddl",
        action="append",
        default=[],
        metavar="SQL",
        help="run this statement after loading, e.g. a CREATE INDEX to try (repeatable)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile each call (slower) and print the top"
    )
    parser.add_argument(
        "--fail-on-findings", action="store_true", help="exit 1 when there is any finding"
    )
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes))
    if any(n < 40 or n % 40 for n in sizes):
        parser.error("each size is a multiple of 40 (movers swap seats in pairs)")

    def stop(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGALRM:
            raise Alarm(f"ran longer than --max-seconds {args.max_seconds}")
        raise Alarm(f"terminated by signal {signum}")

    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.alarm(args.max_seconds)
    try:
        results = [
            bench_size(n, args.year, args.attendance, args.ddl, args.profile and n == sizes[-1])
            for n in sizes
        ]
    except BaseException as exc:
        reason = _interruption(exc)
        if reason is None:
            raise
        why = str(reason) or "interrupted"
        print(f"stopped: {why}; the benchmark databases were dropped", file=sys.stderr)
        return 2
    finally:
        signal.alarm(0)
    findings = report(results, args.year)
    return 1 if findings and args.fail_on_findings else 0


if __name__ == "__main__":
    sys.exit(main())
