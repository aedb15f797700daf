"""Issue 19.5: what one event's apply costs a consumer on PostgreSQL, before and after.

For staffing, inspection and notification, feeds fresh events (registry's `unit.registered`,
`window.published`, and `case.advanced` of a case accepted before) to the service's
`Inbox.receive`, then the same events again (duplicates), and prints per event: the statements
sent, the round trips (statements, pings and the BEGIN/COMMIT/ROLLBACK psycopg sends) and the
CPU time of the process.

"Before" is the code of another commit (`--before`, default the merge base with `main`),
extracted with `git archive` into a temporary folder; "after" is this tree. Each round runs in
a child process on one side or the other, the sides alternating, on the same scratch databases
(migrated once, by this tree), so both measure the same server at the same time.

    .venv/bin/python -m bench.consumer_apply --rounds 3 --events 200

Counting is done at psycopg's level: every `Cursor.execute`/`executemany` (a ping is an
`execute(";")`) and every command the connection sends by itself (BEGIN, COMMIT, ROLLBACK).
Everything made is dropped at the end, also after an error, Ctrl-C or --max-seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("staffing", "inspection", "notification")
KINDS = ("unit.registered", "window.published", "case.advanced")


# -- one round, in a child process (imports only what both trees have) -------------------------
def _bodies(kind: str, n: int) -> tuple[list[str], list[str]]:
    """The events of a kind, and those that come before them (a case is accepted first)."""
    base = random.randrange(1, 2_000_000) * 1000  # ids fresh in each round, within an INTEGER
    if kind == "case.advanced":
        return _events(kind, n, base), _events("case.accepted", n, base)
    return _events(kind, n, base), []


def _events(kind: str, n: int, base: int) -> list[str]:
    import services.registry.contracts  # noqa: F401 - registers the types
    from shared.events import new_event

    tag = uuid.uuid4().hex[:6]
    today = date.today().isoformat()
    bodies = []
    for i in range(n):
        number = base + i
        if kind == "unit.registered":
            code = f"b{tag}{i}"
            data: dict[str, Any] = {"code": code, "name": f"Unit {code}", "district": "d"}
            data["registered_at"] = "2026-11-22T01:00:00+00:00"
            subject = code
        elif kind == "window.published":
            data = {
                "window_id": number,
                "unit_code": "u01",
                "co_units": [],
                "hall_code": "H1",
                "name_zh": "窗口",
                "name_en": "Window",
                "type": "resident",
                "state": "published",
                "is_open": True,
                "published_on": today,
            }
            subject = str(number)
        else:
            data = {
                "case_id": number,
                "receipt_number": f"R{number}",
                "window_id": 1,
                "unit_code": "u01",
                "matter_code": "M001",
                "stage": "accepted" if kind == "case.accepted" else "approved",
                "staff_id": "s1",
                "accepted_on": today,
                "due_on": today,
                "paused": False,
                "on": today,
            }
            subject = str(number)
        event = new_event(
            source="/govhall/registry",
            type=f"govhall.registry.{kind}.v1",
            subject=subject,
            data=data,
            actor="authority",
        )
        bodies.append(event.to_json())
    return bodies


class Counting:
    """Counts what psycopg sends: statements, pings and the transaction commands."""

    def __init__(self) -> None:
        import psycopg
        from psycopg import _connection_base

        self.counts: Counter[str] = Counter()
        counts = self.counts
        execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany
        command = _connection_base.BaseConnection._exec_command

        def counted_execute(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            counts["pings" if query == ";" else "statements"] += 1
            return execute(cursor, query, *args, **kwargs)

        def counted_executemany(cursor: Any, *args: Any, **kwargs: Any) -> Any:
            counts["statements"] += 1
            return executemany(cursor, *args, **kwargs)

        def counted_command(connection: Any, *args: Any, **kwargs: Any) -> Any:
            counts["transaction"] += 1
            return command(connection, *args, **kwargs)

        psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign]
        psycopg.Cursor.executemany = counted_executemany  # type: ignore[method-assign]
        _connection_base.BaseConnection._exec_command = counted_command  # type: ignore[method-assign]

    def snapshot(self) -> Counter[str]:
        return Counter(self.counts)


def run_round(run: str, service: str, events: int) -> dict[str, Any]:
    from services.hall import embedded
    from shared import config
    from shared.service import ServiceRuntime
    from tests.support import Namespace

    counting = Counting()
    namespace = Namespace(run=run)
    spec = embedded.service_module(service).SPEC
    rt = ServiceRuntime(spec, config.load(service, namespace.settings(service)))
    rt.db.ping()  # the first connection, outside the counts
    result: dict[str, Any] = {}
    try:
        for kind in KINDS:
            bodies, first = _bodies(kind, events)
            for body in first:  # not counted
                rt.inbox.receive(body)
            for label, feed in (("applied", bodies), ("duplicate", bodies)):
                before, cpu = counting.snapshot(), time.process_time()
                outcomes = Counter(rt.inbox.receive(body).value for body in feed)
                cpu = time.process_time() - cpu
                sent = counting.snapshot() - before
                result[f"{kind} {label}"] = {
                    "outcomes": dict(outcomes),
                    "statements": sent["statements"] / len(feed),
                    "round_trips": sum(sent.values()) / len(feed),
                    "pings": sent["pings"] / len(feed),
                    "cpu_us": cpu / len(feed) * 1e6,
                }
    finally:
        rt.db.dispose()
    return result


# -- the parent: databases, the two trees, interleaved rounds ----------------------------------
def _before_tree(ref: str, into: Path) -> str:
    if ref == "merge-base":
        ref = _git("merge-base", "HEAD", "main")
    archive = into / "before.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return ref


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _child(tree: Path, run: str, service: str, events: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    # -P: the script's folder (bench/) is not put first on the path; the tree decides the code.
    argv = [sys.executable, "-P", str(Path(__file__).resolve()), "--child", service, run]
    argv += ["--events", str(events)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, cwd=tree)
    if done.returncode != 0:
        raise RuntimeError(f"round on {tree} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _migrate(namespace: Any) -> None:
    from services.hall import embedded
    from shared import config, migrate
    from shared.service import ServiceRuntime

    for service in SERVICES:
        spec = embedded.service_module(service).SPEC
        settings = config.load(service, namespace.settings(service))
        owner = ServiceRuntime(spec, settings.with_(database_url=settings.migrate_database_url))
        migrate.upgrade(owner, runtime_role=namespace.runtime_role)
        owner.db.dispose()


def _report(ref: str, results: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    print(f"before = {ref[:12]}, after = this tree; median of the rounds, per event")
    header = f"{'service':<13}{'event':<28}{'statements':>16}{'round trips':>16}{'CPU µs':>18}"
    print(header)
    print("-" * len(header))
    for service, sides in results.items():
        for key in sides["before"][0]:
            cells = []
            for field, digits in (("statements", 1), ("round_trips", 1), ("cpu_us", 0)):
                old = _median([r[key][field] for r in sides["before"]])
                new = _median([r[key][field] for r in sides["after"]])
                cells.append(f"{old:.{digits}f} → {new:.{digits}f}")
            print(f"{service:<13}{key:<28}{cells[0]:>16}{cells[1]:>16}{cells[2]:>18}")
            outcomes = {json.dumps(r[key]["outcomes"]) for s in sides.values() for r in s}
            if len(outcomes) != 1:
                print(f"  outcomes differ: {outcomes}")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--child", nargs=2, metavar=("SERVICE", "RUN"), help=argparse.SUPPRESS)
    parser.add_argument("--events", type=int, default=200, help="fresh events per kind")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side")
    parser.add_argument("--before", default="merge-base", help="git ref of the 'before' code")
    parser.add_argument("--max-seconds", type=int, default=600)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_round(args.child[1], args.child[0], args.events)))
        return 0

    from bench.cluster import bounded
    from tests.support import Namespace

    scratch = Path(tempfile.mkdtemp(prefix="govhall-consumer-apply-"))
    namespace = Namespace()

    def measure() -> int:
        ref = _before_tree(args.before, scratch)
        namespace.create_databases()
        _migrate(namespace)
        trees = {"before": scratch / "tree", "after": ROOT}
        results: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for round_ in range(args.rounds):
            order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
            for service in SERVICES:
                sides = results.setdefault(service, {"before": [], "after": []})
                for side in order:
                    sides[side].append(_child(trees[side], namespace.run, service, args.events))
        _report(ref, results)
        return 0

    try:
        done = bounded(args.max_seconds, "the scratch databases", measure)
        return 2 if done is None else done
    finally:
        namespace.drop_databases()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
