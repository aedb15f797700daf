"""Issue 4, point 8: listing, filtering and the supervision sweep stay fast at 1,000,000 cases.

Loads N cases (default 10,000 and 1,000,000) into a fresh PostgreSQL database per size, times
the registry's own handlers (median of several runs after a warm-up), prints the ratio of the
times between the smallest and the largest size, and the EXPLAIN ANALYZE plans of every query on
`cases` at the largest size. Findings: a sequential scan on `cases`, a plan that reads and
discards many rows to return one page, and running cases whose warning is still wrong after the
sweep (checked against the domain rules, so a sweep that misses cases is caught).

    .venv/bin/python -m bench.cases_scale [--sizes 10000 1000000] [--runs 7]

Every database this script creates (`govhall_bench_<size>_<run>`) is dropped on exit, also after
an error, Ctrl-C, SIGTERM or the `--max-seconds` alarm.
"""

from __future__ import annotations

import argparse
import os
import re
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

from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.engine import Connection, Engine

import services.registry as registry
from services.registry.adapters import tables
from services.registry.adapters.repositories import cases as store
from services.registry.domain import cases as rules
from services.registry.handlers import case_reading, supervision
from shared import config, migrate
from shared.service import ServiceRuntime
from shared.workdays import HallCalendar

ADMIN_URL = os.environ.get(
    "BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
WINDOWS = 50
UNITS = 20
MATTERS = 30
DAYS = 3 * 365
LOAD_TIMEOUT_MS = 600_000

# The probes: the same unit, window and keyset position (relative to the end) at every size.
UNIT = "U07"
WINDOW = 17
MATTER = "M005"
DEEP_FROM_END = 1_000


class Alarm(Exception):
    """The run took longer than --max-seconds."""


# ---------------------------------------------------------------------------------------------
# databases


def _admin() -> Engine:
    return create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


def database_url(name: str) -> str:
    return f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"


@contextmanager
def fresh_database(name: str) -> Iterator[str]:
    """A new, empty database; dropped (WITH FORCE) however the block ends."""
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield database_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def runtime(url: str) -> ServiceRuntime:
    settings = config.load("registry", {"database_url": url, "jwt_secret": "b" * 40})
    return ServiceRuntime(registry.SPEC, settings)


# ---------------------------------------------------------------------------------------------
# loading

# One INSERT ... SELECT over generate_series, so a million rows never cross the wire. Case ids
# grow with `accepted_on` (as they do in production), so open cases sit mostly at the end of the
# id range; ~0.3 % are old cases still open (long overdue), spread over the whole range. The
# CTEs are MATERIALIZED so each step is computed once per row: inlined, PostgreSQL would copy
# the nested CASE expressions into every later use and the load would take twice as long.
CASES_SQL = """
WITH workday AS MATERIALIZED (
    -- the first working day of the hall's calendar on or after d (due dates are working days)
    SELECT d, nxt FROM unnest(CAST(:cal_days AS date[]), CAST(:cal_next AS date[])) AS t(d, nxt)
), raw AS MATERIALIZED (
    SELECT i,
           1 + floor(random() * :windows)::int AS w,
           floor(random() * :matters)::int AS m,
           CAST(:today AS date) - (:days - ((i - 1)::bigint * :days / :n))::int AS acc,
           random() AS r_open, random() AS r_stage, random() AS r_pause,
           random() AS r_ext, random() AS r_done, random() AS r_step
    FROM generate_series(1, :n) AS i
), limits AS MATERIALIZED (
    SELECT raw.*,
           (ARRAY[1, 3, 5, 10, 15, 20, 30])[1 + m % 7] AS lim,
           CASE WHEN r_ext < 0.05 THEN 5 ELSE 0 END AS ext
    FROM raw
), shaped AS MATERIALIZED (
    SELECT limits.*,
           ((lim + ext) * 7 + 4) / 5 AS cal,
           due_day.nxt AS due,
           (CAST(:today AS date) - acc <= (lim * 7 + 4) / 5 + 15 AND r_open < 0.9)
               OR r_open < 0.003 AS is_open
    FROM limits
    JOIN workday AS due_day ON due_day.d = acc + ((lim + ext) * 7 + 4) / 5
), staged AS MATERIALIZED (
    SELECT shaped.*,
           CASE
               WHEN NOT is_open AND r_stage < 0.02 THEN 'refused'
               WHEN NOT is_open THEN 'delivered'
               ELSE (ARRAY['accepted', 'handled', 'reviewed', 'approved', 'issued'])
                    [1 + floor(r_stage * 5)::int]
           END AS stage
    FROM shaped
), dated AS MATERIALIZED (
    SELECT staged.*,
           is_open AND stage IN ('accepted', 'handled', 'reviewed') AND r_pause < 0.1 AS paused,
           CASE
               WHEN NOT is_open
                   THEN LEAST(CAST(:today AS date), acc + floor(r_done * (cal + 3))::int)
               WHEN stage = 'accepted' THEN acc
               ELSE acc + floor(r_step * (CAST(:today AS date) - acc))::int
           END AS step_on
    FROM staged
), final AS MATERIALIZED (
    SELECT dated.*, CASE WHEN is_open THEN LEAST(due, step_day.nxt) END AS stage_due
    FROM dated
    JOIN workday AS step_day ON step_day.d = step_on + GREATEST(1, (cal * 3 + 9) / 10)
)
INSERT INTO cases (
    id, receipt_number, query_code_hash, window_id, unit_code, matter_code, matter_version,
    applicant, accepted_on, limit_days, extension_allowance, extension_days, stage, open,
    paused, due_on, stage_due_on, warning, stage_overrun, completed_on, history, pauses,
    supplement, extension_reasons, refusal_reason, assisted_by, version
)
SELECT i,
       to_char(acc, 'YYYYMMDD') || lpad(i::text, 8, '0'),
       md5(i::text) || md5((-i)::text),
       w,
       'U' || lpad((1 + (w - 1) % :units)::text, 2, '0'),
       'M' || lpad(m::text, 3, '0'),
       1,
       'Applicant ' || i,
       acc,
       lim,
       10,
       ext,
       stage,
       is_open,
       paused,
       due,
       stage_due,
       -- Settled as a daily sweep would have left them, except the last two days: the first sweep
       -- of the benchmark has real work to do, the following ones only what can change.
       CASE WHEN is_open AND NOT paused AND due < CAST(:today AS date) - 2
            THEN 'red' ELSE 'none' END,
       is_open AND NOT paused AND stage_due < CAST(:today AS date) - 2,
       CASE WHEN NOT is_open THEN step_on END,
       json_build_array(json_build_object(
           'stage', stage, 'staff_id', 's' || w,
           'at', to_char(step_on, 'YYYY-MM-DD') || 'T01:00:00+00:00',
           'on', to_char(step_on, 'YYYY-MM-DD'), 'note', '')),
       CASE WHEN paused
            THEN json_build_array(json_build_object(
                'started_on', to_char(step_on, 'YYYY-MM-DD'), 'ended_on', NULL,
                'reason', 'supplement'))
            ELSE '[]'::json END,
       CASE WHEN paused THEN '["ID card copy"]'::json ELSE '[]'::json END,
       CASE WHEN ext > 0 THEN '["expert opinion needed"]'::json ELSE '[]'::json END,
       CASE WHEN stage = 'refused' THEN 'materials do not meet the conditions' ELSE '' END,
       CASE WHEN r_ext > 0.97 THEN 's' || w ELSE '' END,
       1
FROM final
"""


def load(rt: ServiceRuntime, n: int, today: date, ddl: Sequence[str] = ()) -> dict[str, Any]:
    """Reference rows (halls, units, windows) and `n` cases, then the extra `ddl` statements
    (to try an index before writing its migration), then VACUUM ANALYZE."""
    now = datetime(2023, 1, 2, 1, tzinfo=UTC)
    engine = rt.db.engine
    with engine.begin() as conn:
        conn.execute(
            insert(tables.halls),
            [
                {
                    "code": "H1",
                    "name_zh": "政务服务大厅",
                    "name_en": "Government Service Hall",
                    "address": "1 Civic Road",
                    "hours": "Mon-Fri 9:00-17:00",
                    "phone": "12345",
                }
            ],
        )
        conn.execute(
            insert(tables.units),
            [
                {
                    "code": f"U{u:02d}",
                    "name": f"Unit {u}",
                    "district": "central",
                    "registered_at": now,
                    "contacts": [],
                }
                for u in range(1, UNITS + 1)
            ],
        )
        conn.execute(insert(tables.windows), [_window(w, now) for w in range(1, WINDOWS + 1)])
        conn.execute(
            insert(tables.window_units),
            [{"window_id": w, "unit_code": _unit_of(w)} for w in range(1, WINDOWS + 1)],
        )
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence('windows', 'id'), :n)"), {"n": WINDOWS}
        )
    with engine.begin() as conn:
        conn.execute(text(f"SET LOCAL statement_timeout = {LOAD_TIMEOUT_MS}"))
        # Bulk-load tricks, not shortcuts in what is measured: the secondary indexes are dropped
        # and rebuilt from their exact definitions (as the migrations made them), and the
        # foreign-key trigger is skipped for the load and checked once afterwards.
        indexes = secondary_indexes(conn)
        for name in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("SELECT setseed(0.42)"))
        days, following = workdays_on_or_after(
            rt.calendar, today - timedelta(days=DAYS + 10), today + timedelta(days=120)
        )
        conn.execute(
            text(CASES_SQL),
            {
                "cal_days": days,
                "cal_next": following,
                "n": n,
                "today": today,
                "days": DAYS,
                "windows": WINDOWS,
                "matters": MATTERS,
                "units": UNITS,
            },
        )
        conn.execute(text("SET LOCAL session_replication_role = origin"))
        orphans = conn.execute(
            text("SELECT count(*) FROM cases WHERE window_id NOT IN (SELECT id FROM windows)")
        ).scalar_one()
        if orphans:
            raise RuntimeError(f"{orphans} loaded cases name a window that does not exist")
        for definition in indexes.values():
            conn.execute(text(definition))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), :n)"), {"n": n})
        for statement in ddl:
            conn.execute(text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) cases"))
        row = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE open) AS open,"
                " count(*) FILTER (WHERE open AND paused) AS paused,"
                " count(*) FILTER (WHERE open AND NOT paused AND due_on < :today) AS overdue,"
                " count(*) FILTER (WHERE warning <> 'none') AS warned,"
                " pg_size_pretty(pg_total_relation_size('cases')) AS size"
                " FROM cases"
            ),
            {"today": today},
        ).one()
    return dict(row._mapping)


def workdays_on_or_after(
    calendar: HallCalendar, start: date, end: date
) -> tuple[list[date], list[date]]:
    """Each day from `start` to `end` and the first working day on or after it."""
    days: list[date] = []
    following: list[date] = []
    day = end + timedelta(days=30)
    nxt = day
    while day >= start:
        if calendar.is_workday(day):
            nxt = day
        if day <= end:
            days.append(day)
            following.append(nxt)
        day -= timedelta(days=1)
    return days, following


def secondary_indexes(conn: Connection) -> dict[str, str]:
    """Name → CREATE INDEX statement of each index on `cases` that backs no constraint."""
    rows = conn.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = current_schema() AND i.tablename = 'cases'"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
    ).all()
    return {row.indexname: row.indexdef for row in rows}


def _unit_of(window: int) -> str:
    return f"U{1 + (window - 1) % UNITS:02d}"


def _window(w: int, now: datetime) -> dict[str, Any]:
    return {
        "id": w,
        "unit_code": _unit_of(w),
        "hall_code": "H1",
        "name_zh": f"窗口 {w}",
        "name_en": f"Window {w}",
        "type": "permanent",
        "state": "active",
        "evidence": {},
        "applied_at": now,
        "co_units": [],
        "seasonal_months": [],
        "is_open": True,
        "open_reason": "",
        "details": {},
        "records": [],
        "revocation_request": "",
        "version": 1,
    }


# ---------------------------------------------------------------------------------------------
# measuring


@dataclass
class Probe:
    name: str
    run: Callable[[], int]  # returns how many rows it listed / cases it changed


@dataclass
class SizeResult:
    size: int
    load_seconds: float
    stats: dict[str, Any]
    first_sweep: tuple[float, int]  # seconds, cases changed
    stale: int = 0  # running cases whose warning is still wrong after the sweeps
    times: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    plans: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def probes(rt: ServiceRuntime, n: int, today: date) -> list[Probe]:
    uow = rt.uow(actor="bench")
    deep = n - DEEP_FROM_END
    yellow = rt.settings.case_yellow_days

    def page(filters: dict[str, Any], after: int = 0, unit: str | None = None) -> int:
        return len(case_reading.list_cases(uow, unit=unit, filters=filters, after=after, limit=50))

    def warned(**kw: Any) -> int:
        query = {"level": None, "unit": None, "window_id": None, "after": 0, "limit": 50, **kw}
        return len(supervision.warnings(uow, **query))

    return [
        Probe("list: first page", lambda: page({})),
        Probe(f"list: deep page (after=N-{DEEP_FROM_END})", lambda: page({}, after=deep)),
        Probe(f"filter: unit_code={UNIT}", lambda: page({"unit_code": UNIT})),
        Probe(f"filter: unit token {UNIT}, deep", lambda: page({}, after=deep, unit=UNIT)),
        Probe(f"filter: unit token {UNIT} & open", lambda: page({"open": True}, unit=UNIT)),
        Probe(f"filter: window_id={WINDOW}", lambda: page({"window_id": WINDOW})),
        Probe(
            f"filter: window_id={WINDOW} & open",
            lambda: page({"window_id": WINDOW, "open": True}),
        ),
        Probe("filter: open", lambda: page({"open": True})),
        Probe(f"filter: matter_code={MATTER}", lambda: page({"matter_code": MATTER})),
        Probe("filter: stage=approved", lambda: page({"stage": "approved"})),
        Probe("filter: warning=red (list_cases)", lambda: page({"warning": "red"})),
        Probe("warnings: all levels", lambda: warned()),
        Probe("warnings: level=yellow", lambda: warned(level="yellow")),
        Probe(f"warnings: unit={UNIT}", lambda: warned(unit=UNIT)),
        Probe(f"warnings: window_id={WINDOW}", lambda: warned(window_id=WINDOW)),
        Probe(
            "sweep (steady state)",
            lambda: supervision.sweep(uow, rt.calendar, today, yellow_days=yellow),
        ),
    ]


def median_time(run: Callable[[], int], runs: int) -> tuple[float, int]:
    count = run()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), count


def stale_warnings(rt: ServiceRuntime, today: date) -> int:
    """Running cases whose warning or step overrun the domain rules would still change: after
    a sweep there should be none (the sweep must not miss a case)."""
    yellow = rt.settings.case_yellow_days
    c = tables.cases.c
    with rt.db.engine.connect() as conn:
        rows = conn.execute(select(tables.cases).where(c.open & ~c.paused)).all()
    stale = 0
    for row in rows:
        case = store.case_from_row(row)
        level = rules.warning_level(case, today, rt.calendar, yellow)
        stale += level != case.warning or rules.stage_overran(case, today)
    return stale


@contextmanager
def capture(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs on `cases` the block sends, with their parameters, exactly as sent."""
    seen: list[tuple[str, Any]] = []

    def listen(_c: Connection, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        head = statement.lstrip().upper()
        if head.startswith("SELECT") and "FROM CASES" in head:
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def explain(engine: Engine, statements: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    plans = []
    with engine.connect() as conn:
        for statement, params in statements:
            rows = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params
            ).all()
            plans.append((statement, "\n".join(r[0] for r in rows)))
        conn.rollback()
    return plans


def bench_size(
    n: int, runs: int, today: date, with_plans: bool, ddl: Sequence[str] = ()
) -> SizeResult:
    name = f"govhall_bench_{n}_{uuid.uuid4().hex[:6]}"
    with fresh_database(name) as url:
        rt = runtime(url)
        try:
            migrate.upgrade(rt)
            _progress(n, "loading ...")
            start = time.perf_counter()
            stats = load(rt, n, today, ddl)
            loaded = time.perf_counter() - start
            _progress(n, f"loaded in {loaded:.1f}s: {stats}")
            start = time.perf_counter()
            changed = supervision.sweep(
                rt.uow(actor="bench"), rt.calendar, today, rt.settings.case_yellow_days
            )
            result = SizeResult(n, loaded, stats, (time.perf_counter() - start, changed))
            _progress(n, f"first sweep changed {changed} cases; timing ...")
            for probe in probes(rt, n, today):
                seconds, count = median_time(probe.run, runs)
                result.times[probe.name] = seconds
                result.rows[probe.name] = count
                if with_plans:
                    with capture(rt.db.engine) as seen:
                        probe.run()
                    result.plans[probe.name] = explain(rt.db.engine, seen)
            result.stale = stale_warnings(rt, today)
            _progress(n, "done")
            return result
        finally:
            rt.db.dispose()


def _progress(n: int, message: str) -> None:
    print(f"[{n:,}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# reporting

# A plan that throws away this many rows to return a page reads in proportion to the table.
MANY_ROWS = 10_000
_REMOVED = re.compile(r"Rows Removed by (?:Filter|Index Recheck): (\d+)")


def report(results: list[SizeResult], today: date) -> list[str]:
    """Prints the table, the plans at the largest size and the findings; returns the findings."""
    small, large = results[0], results[-1]
    print(f"\ntoday = {today} ({today:%A})")
    for r in results:
        seconds, changed = r.first_sweep
        print(
            f"{r.size:>9,} cases: loaded in {r.load_seconds:.1f}s, {r.stats['size']}; "
            f"open {r.stats['open']:,} (paused {r.stats['paused']:,}, "
            f"overdue {r.stats['overdue']:,}); first sweep changed {changed:,} "
            f"in {seconds * 1000:,.0f} ms; stale warnings after the sweeps: {r.stale:,}"
        )
    print()
    head = f"{'operation':<40} {_label(small.size):>12} {_label(large.size):>12} {'ratio':>7}  rows"
    print(head)
    print("-" * len(head))
    for name, t_small in small.times.items():
        t_large = large.times[name]
        rows = f"{small.rows[name]}/{large.rows[name]}"
        print(
            f"{name:<40} {t_small * 1000:>9.2f} ms {t_large * 1000:>9.2f} ms "
            f"{t_large / t_small:>7.2f}  {rows}"
        )
    print(
        f"(median of the timed runs after a warm-up; ratio = {_label(large.size)} / "
        f"{_label(small.size)}; rows = rows listed or cases changed at each size)"
    )
    findings = [
        f"{r.size:,} cases: {r.stale:,} running cases still have a wrong warning or an "
        "unflagged step overrun after the sweeps"
        for r in results
        if r.stale
    ]
    if large.plans:
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) at {large.size:,} cases")
        for name, plans in large.plans.items():
            for statement, plan in plans:
                print(f"\n== {name}\n{_compact(statement)}\n{plan}")
                findings.extend(_plan_findings(name, plan))
    print()
    if findings:
        print("FINDINGS")
        for finding in findings:
            print(f"- {finding}")
    else:
        print("No findings: every query on cases is index-driven, and no warning is stale.")
    return findings


def _plan_findings(name: str, plan: str) -> list[str]:
    found = []
    if "Seq Scan on cases" in plan:
        found.append(f"{name}: Seq Scan on cases")
    removed = sum(int(m) for m in _REMOVED.findall(plan))
    if removed >= MANY_ROWS:
        found.append(f"{name}: reads and discards {removed:,} rows (see its plan)")
    return found


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


def _compact(statement: str) -> str:
    columns_end = statement.find("FROM cases")
    if statement.startswith("SELECT") and columns_end > 0:
        statement = "SELECT cases.* " + statement[columns_end:]
    return " ".join(statement.split())


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per operation")
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        help="the sweep's today (default: the real one); the data is laid out around it",
    )
    parser.add_argument("--max-seconds", type=int, default=1800, help="give up after this long")
    parser.add_argument(
        "--ddl",
        action="append",
        default=[],
        metavar="SQL",
        help="run this statement after loading, e.g. a CREATE INDEX to try (repeatable)",
    )
    parser.add_argument(
        "--fail-on-findings", action="store_true", help="exit 1 when there is any finding"
    )
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes))

    def stop(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGALRM:
            raise Alarm(f"ran longer than --max-seconds {args.max_seconds}")
        raise Alarm(f"terminated by signal {signum}")

    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.alarm(args.max_seconds)
    today = args.today or date.today()
    try:
        results = [bench_size(n, args.runs, today, n == sizes[-1], args.ddl) for n in sizes]
    except BaseException as exc:
        reason = _interruption(exc)
        if reason is None:
            raise
        print(f"stopped: {reason}; the benchmark databases were dropped", file=sys.stderr)
        return 2
    finally:
        signal.alarm(0)
    findings = report(results, today)
    return 1 if findings and args.fail_on_findings else 0


def _interruption(exc: BaseException | None) -> BaseException | None:
    """The Alarm or Ctrl-C behind `exc`, if any: closing an interrupted connection raises
    errors of its own on top of it."""
    while exc is not None:
        if isinstance(exc, Alarm | KeyboardInterrupt):
            return exc
        exc = exc.__context__
    return None


if __name__ == "__main__":
    sys.exit(main())
