"""Issue 19, point 3: write throughput and p50/p99 from 1 to 8 concurrent clients, with the
audit record chained in each write (the chain's lock held to every commit: `AUDIT_CHAIN_INLINE`)
and left to the sealer (`audit_pending`, shared/audit_sealer.py), interleaved in one run.

Registry runs as deployed (PostgreSQL, RabbitMQ, `govhall serve` under gunicorn, 2 workers of
4 threads: 8 requests at once), twice on the same database: one server with
`AUDIT_CHAIN_INLINE=true`, one without, and its worker (relay and sealer). wrk POSTs new units
(`POST /api/v1/units`: a row, an event and an audit record) with 1, 2, 4 and 8 connections, the
two paths one after the other at each level, in alternating order. At the end every record is
sealed and the chain verified: as many records as writes answered 201, one unbroken chain.

    .venv/bin/python -m bench.write_scaling [--seconds 5] [--rounds 2] [--clients 1 2 4 8]

The database, exchange, queues and processes it creates are removed on exit, also after an
error, Ctrl-C, SIGTERM or the `--max-seconds` alarm (default 240).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from bench.cluster import Bench, bounded, progress, running
from bench.http_ratio import WRK, Wrk, wrk
from services.registry import SPEC
from shared import audit, audit_table, audit_verify
from tests.support import TEST_AUDIT_KEY, free_port, token, wait_for

PATHS = {"inline": "true", "sealer": "false"}  # AUDIT_CHAIN_INLINE of each server
BODY = '{"code": "{uid}", "name": "Scaling unit {uid}", "district": "bench"}'


@dataclass
class Result:
    path: str
    clients: int
    run: Wrk


def serve(bench: Bench, path: str, workers: int) -> str:
    port = free_port()
    argv = [sys.executable, "-m", "services.hall.cli", "serve", "registry"]
    env = {**bench.env("registry"), "AUDIT_CHAIN_INLINE": PATHS[path]}
    bench.start(f"registry-web-{path}", [*argv, "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers)], env)  # fmt: skip
    return f"http://127.0.0.1:{port}"


def measure(args: argparse.Namespace) -> tuple[list[Result], str]:
    with running(keep_logs=args.keep_logs, services=["registry"]) as bench:
        progress(f"run {bench.ns.run}: migrating registry ...")
        bench.migrate(["registry"])
        urls = {path: serve(bench, path, args.workers) for path in PATHS}
        bench.worker("registry")
        bench.wait_web(list(urls.values()))
        bench.wait_workers(["registry"])
        authority = token("authority")
        results: list[Result] = []
        for round_ in range(args.rounds):
            for level, clients in enumerate(args.clients):
                order = list(PATHS) if (round_ + level) % 2 == 0 else list(PATHS)[::-1]
                for path in order:
                    shape = (clients, 1)
                    target = (urls[path], "POST", "/api/v1/units", authority, BODY)
                    if args.warmup > 0:
                        wrk(bench, *target, args.warmup, *shape)
                    run = wrk(bench, *target, args.seconds, *shape)
                    results.append(Result(path, clients, run))
                    progress(
                        f"{path:>6} × {clients}: {run.rps:.0f} req/s, p50 {run.p50_ms:.1f} ms,"
                        f" p99 {run.p99_ms:.1f} ms"
                    )
        return results, check(bench)


def check(bench: Bench) -> str:
    """Every record sealed and the whole chain verified: one record per unit written."""
    engine = create_engine(bench.ns.database_url("registry"))
    pending = select(func.count()).select_from(text(audit_table.PENDING))
    try:
        with engine.connect() as conn:

            def sealed() -> bool:
                return conn.execute(pending).scalar() == 0

            wait_for(sealed, timeout=30, interval=0.2)  # the worker's sealer
            verdict = audit_verify.verify_table(
                conn, SPEC.metadata.tables[audit_table.TABLE], audit.Keyring(TEST_AUDIT_KEY)
            )
            units = conn.execute(select(func.count()).select_from(text("units"))).scalar()
    finally:
        engine.dispose()
    state = "intact" if verdict.intact else f"BROKEN at {verdict.broken_at}: {verdict.reason}"
    return (
        f"audit chain {state}: {verdict.records} records chained, {verdict.pending} pending,"
        f" {units} units written"
    )


def report(results: list[Result], verdict: str, args: argparse.Namespace) -> int:
    """Per level and path: req/s over all its rounds (requests / seconds), the median of the
    rounds' p50 and the worst of their p99."""
    print()
    print(
        f"POST /api/v1/units on registry (gunicorn --workers {args.workers}, 4 threads each),"
        f" wrk -t1 -c<clients> -d{args.seconds:g}s × {args.rounds} rounds; paths interleaved"
    )
    head = f"{'clients':>7}  {'path':<7}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}"
    print(head)
    print("-" * len(head))
    errors = 0
    for clients in args.clients:
        for path in PATHS:
            runs = [r.run for r in results if (r.clients, r.path) == (clients, path)]
            rps = sum(r.requests for r in runs) / sum(r.seconds for r in runs)
            p50 = statistics.median(r.p50_ms for r in runs)
            p99 = max(r.p99_ms for r in runs)
            failed = sum(r.non_2xx + r.socket_errors for r in runs)
            errors += failed
            print(f"{clients:>7}  {path:<7}{rps:>8.0f}{p50:>8.1f}{p99:>8.1f}{failed:>8}")
    print(verdict)
    return 1 if errors or "BROKEN" in verdict else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5, help="per measurement (wrk -d)")
    parser.add_argument("--warmup", type=float, default=1, help="unmeasured run before each")
    parser.add_argument("--rounds", type=int, default=2, help="times through every level")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    parser.add_argument("--max-seconds", type=int, default=240, help="give up after this long")
    args = parser.parse_args(argv)
    if not Path(WRK).exists():
        raise SystemExit("needs wrk (apt-get install wrk)")
    outcome = bounded(args.max_seconds, "the bench database, queues and processes",
                      lambda: measure(args))  # fmt: skip
    if outcome is None:
        return 2
    return report(*outcome, args)


if __name__ == "__main__":
    sys.exit(main())
