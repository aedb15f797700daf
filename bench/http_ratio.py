"""Issue 10, point 5a: requests/s of each service's endpoints against a minimal Flask endpoint.

Starts the four services as deployed (PostgreSQL, RabbitMQ, gunicorn with the services' own
configuration and worker count, one worker process each), seeds data through their real APIs,
and measures with wrk, per service: a single-resource GET, a list of 50 and a write. Each is
compared with `bench/minimal_app.py` (a Flask app with one JSON GET and one POST that parses
JSON and answers 201), served by the same gunicorn configuration and worker count and measured
right before it, so each ratio comes from the same minute of the same run. Targets: GET ≥ 0.5,
list of 50 ≥ 0.3, write ≥ 0.25 of the baseline's requests/s.

    .venv/bin/python -m bench.http_ratio [--seconds 10] [--workers 2] [--connections 4]

Every database (`govhall_tb…_<service>`), exchange, queue and process this script creates is
removed on exit, also after an error, Ctrl-C, SIGTERM or the `--max-seconds` alarm.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench.cluster import ROOT, Bench, bounded, progress, running
from shared import clock
from shared.config import SERVICES
from tests.support import free_port, token, wait_for

WRK = shutil.which("wrk") or "/usr/bin/wrk"
LUA = Path(__file__).with_name("wrk.lua")
TARGETS = {"get": 0.5, "list": 0.3, "write": 0.25}
OPERATIONS = {"get": "GET one", "list": "list of 50", "write": "write"}
SEED_ID_PREFIX = "99999"  # seeded ID numbers; wrk's start with the run number (< 9000)

EVIDENCE = {
    "demand": "about 3,000 applications a year",
    "staffing": "two civil servants with law-enforcement certificates",
    "funding": "district budget line 2026-17",
    "equipment": "two dedicated PCs, printer, e-government network",
    "district_consent": "district consent letter 12",
}
DETAILS = {
    "address": "1 Youyi Road",
    "phone": "022-2345 6789",
    "hours": "Mon–Fri 9:00–17:00",
    "service_standards": "one-time notification, time-limited completion",
    "code_of_conduct": "courteous and clean service",
    "performance_assessment": "annual assessment, results published",
    "complaint_channel": "12345 hotline",
    "emergency_plan": "backup window takes over during outages",
}
MATTER = {
    "name_zh": "外国人来华工作许可",
    "name_en": "Work permit for foreigners",
    "type": "licensing",
    "case_kind": "promised",
    "legal_limit_days": 20,
    "promised_limit_days": 10,
    "extension_days": 10,
    "extension_note": "extended by 10 working days with reasons",
    "materials": [
        {"name_zh": "申请表", "name_en": "Application form", "required": True, "copies": 1}
    ],
    "flow": ["Accept", "Review", "Decide", "Issue"],
    "visits": 1,
    "fees": "Free",
    "legal_basis": "Rules on the employment of foreigners",
}


@dataclass(frozen=True)
class Case:
    service: str
    op: str  # get | list | write
    method: str
    path: str
    token: str  # "-" for none
    body: str  # a template for bench/wrk.lua, "-" for none
    expect: int  # the status a request must get

    @property
    def baseline(self) -> tuple[str, str, str]:
        """The minimal app's endpoint for this operation: method, path, body template."""
        if self.op == "write":
            return "POST", "/items", '{"code": "{uid}", "name": "Minimal item {uid}"}'
        return "GET", "/item", "-"


@dataclass
class Wrk:
    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Row:
    case: Case
    service: Wrk
    base: Wrk

    @property
    def ratio(self) -> float:
        return self.service.rps / self.base.rps if self.base.rps else 0.0

    @property
    def target(self) -> float:
        return TARGETS[self.case.op]


# ---------------------------------------------------------------------------------------------
# the cluster and its data


class Client:
    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls
        self.http = requests.Session()

    def call(
        self,
        service: str,
        method: str,
        path: str,
        body: Any = None,
        tok: str | None = None,
        status: int = 200,
    ) -> Any:
        headers = {"Authorization": f"Bearer {tok}"} if tok else {}
        response = self.http.request(
            method, f"{self.urls[service]}{path}", json=body, headers=headers, timeout=15
        )
        if response.status_code != status:
            raise RuntimeError(
                f"{method} {service}{path}: {response.status_code}, expected {status}: "
                f"{response.text[:500]}"
            )
        return response.json() if response.content else None


def seed(client: Client, services: Sequence[str], items: int) -> dict[str, Any]:
    """At least `items` of each listed resource, through the services' own APIs. Staffing and
    inspection learn the unit and the window from registry's events (the workers run)."""
    authority, integrator = token("authority"), token("integrator")
    unit_code = "bench-u000"
    unit = token("unit", unit_code)
    known: dict[str, Any] = {"unit": unit_code}
    for i in range(items):
        body = {"code": f"bench-u{i:03d}", "name": f"Bench unit {i}", "district": "bench"}
        client.call("registry", "POST", "/api/v1/units", body, authority, 201)
    known["unit_get"] = "bench-u001"
    progress(f"registry: {items} units")
    if "inspection" in services:
        known["window"] = active_window(client, unit_code, authority, unit)
        progress(f"registry: window {known['window']} published")
    if "staffing" in services:
        wait_for(
            lambda: (
                client.http.get(
                    f"{client.urls['staffing']}/api/v1/units/{unit_code}",
                    headers={"Authorization": f"Bearer {authority}"},
                    timeout=5,
                ).status_code
                == 200
            ),
            timeout=60,
            interval=0.2,
        )
        for i in range(items):
            member = client.call("staffing", "POST", "/api/v1/staff", staff_body(i), unit, 201)
            known.setdefault("staff", member["id"])
        progress(f"staffing: learned {unit_code} from registry's events; {items} staff")
    if "inspection" in services:
        url = f"{client.urls['inspection']}/api/v1/complaints"
        first = {"window_id": known["window"], "account": "bench complaint 0"}
        # Inspection learns the window (and that it is active) from registry's events.
        complaint = wait_for(
            lambda: (
                (r := client.http.post(url, json=first, timeout=5)).status_code == 201 and r.json()
            ),
            timeout=60,
            interval=0.2,
        )
        known["complaint"] = complaint["id"]
        for i in range(1, items):
            body = {"window_id": known["window"], "account": f"bench complaint {i}"}
            client.call("inspection", "POST", "/api/v1/complaints", body, None, 201)
        progress(f"inspection: learned window {known['window']}; {items} complaints")
    if "notification" in services:
        for i in range(items):
            created = client.call(
                "notification", "POST", "/api/v1/webhooks/subscriptions",
                subscription_body(f"seed-{i}"), integrator, 201,
            )  # fmt: skip
            known.setdefault("subscription", created["id"])
        progress(f"notification: {items} webhook subscriptions")
    return known


def staff_body(i: int) -> dict[str, Any]:
    return {
        "name": f"Bench staff {i}",
        "id_number": f"{SEED_ID_PREFIX}{i:012d}0",
        "phone": "13800000000",
        "birth_date": "1990-01-01",
        "employment": "civil_servant",
        "law_enforcement_cert": "LE-0001",
        "work_started_on": "2015-01-01",
        "knows_approval_work": True,
    }


def subscription_body(description: str) -> dict[str, Any]:
    # A pattern no event has, to a port nothing listens on: it never makes a delivery.
    return {
        "url": "http://127.0.0.1:9/bench-hook",
        "event_types": ["govhall.bench.never"],
        "description": description,
    }


def active_window(client: Client, unit_code: str, authority: str, unit: str) -> int:
    hall = {
        "code": "bench-hall",
        "name_zh": "大厅",
        "name_en": "Bench hall",
        "address": "1 Civic Road",
        "hours": "9–17",
        "phone": "022",
    }
    client.call("registry", "POST", "/api/v1/halls", hall, authority, 201)
    client.call("registry", "POST", "/api/v1/matters", {**MATTER, "code": "bench-permit"},
                authority, 201)  # fmt: skip
    body = {
        "hall_code": "bench-hall",
        "name_zh": "窗口",
        "name_en": "Bench window",
        "type": "permanent",
        "evidence": EVIDENCE,
        "details": DETAILS,
    }
    window = client.call("registry", "POST", "/api/v1/windows", body, unit, 201)
    # Every step today, the hall's day: a step may not precede the one before it, nor today.
    day = clock.today().isoformat()
    steps: list[tuple[str, dict[str, Any] | None, int]] = [
        ("inspection", {"inspected_on": day, "inspectors": ["A", "B"],
                        "findings": "ok", "passed": True}, 200),
        ("review", {"held_on": day, "participants": ["C"], "experts": ["D"],
                    "opinion": "agreed", "passed": True}, 200),
        ("letter", {"number": "bench-letter-1", "issued_on": day}, 200),
        ("agreement", {"matters": ["bench-permit"], "duties": "d", "rights": "r",
                       "requirements": "q", "starts_on": day}, 201),
        ("publication", None, 200),
    ]  # fmt: skip
    for step, step_body, status in steps:
        path = f"/api/v1/windows/{window['id']}/{step}"
        client.call("registry", "POST", path, step_body, authority, status)
    return int(window["id"])


def cases(services: Sequence[str], known: dict[str, Any]) -> list[Case]:
    authority, integrator = token("authority"), token("integrator")
    unit = token("unit", known["unit"])
    staff = (
        '{"name": "Bench {uid}", "id_number": "{digits}0", "phone": "13800000000", '
        '"birth_date": "1990-01-01", "employment": "civil_servant", '
        '"law_enforcement_cert": "LE-0001", "work_started_on": "2015-01-01", '
        '"knows_approval_work": true}'
    )
    hook = (
        '{"url": "http://127.0.0.1:9/bench-hook", "event_types": ["govhall.bench.never"], '
        '"description": "{uid}"}'
    )
    every = {
        "registry": [
            Case("registry", "get", "GET", f"/api/v1/units/{known['unit_get']}", authority, "-",
                 200),
            Case("registry", "list", "GET", "/api/v1/units?limit=50", authority, "-", 200),
            Case("registry", "write", "POST", "/api/v1/units", authority,
                 '{"code": "{uid}", "name": "Bench unit {uid}", "district": "bench"}', 201),
        ],
        "staffing": [
            Case("staffing", "get", "GET", f"/api/v1/staff/{known.get('staff')}", unit, "-", 200),
            Case("staffing", "list", "GET", "/api/v1/staff?limit=50", unit, "-", 200),
            Case("staffing", "write", "POST", "/api/v1/staff", unit, staff, 201),
        ],
        "inspection": [
            Case("inspection", "get", "GET", f"/api/v1/complaints/{known.get('complaint')}",
                 authority, "-", 200),
            Case("inspection", "list", "GET", "/api/v1/complaints?limit=50", authority, "-", 200),
            Case("inspection", "write", "POST", "/api/v1/complaints", "-",
                 '{"window_id": ' + str(known.get("window", 0)) +
                 ', "account": "bench complaint {uid}"}', 201),
        ],
        "notification": [
            Case("notification", "get", "GET",
                 f"/api/v1/webhooks/subscriptions/{known.get('subscription')}", integrator, "-",
                 200),
            Case("notification", "list", "GET", "/api/v1/webhooks/subscriptions?limit=50",
                 integrator, "-", 200),
            Case("notification", "write", "POST", "/api/v1/webhooks/subscriptions", integrator,
                 hook, 201),
        ],
    }  # fmt: skip
    return [case for service in services for case in every[service]]


def check(client: Client, case: Case) -> str:
    """One request of the case by hand: its status, and 50 items for a list. Returns a note."""
    body = None
    if case.body != "-":
        uid = f"check{random.randrange(10**6)}"
        digits = f"{9000 + random.randrange(999):04d}{random.randrange(10**13):013d}"
        body = json.loads(case.body.replace("{uid}", uid).replace("{digits}", digits))
    tok = None if case.token == "-" else case.token
    answer = client.call(case.service, case.method, case.path, body, tok, case.expect)
    if case.op == "list":
        count = len(answer["items"])
        if count != 50:
            raise RuntimeError(f"{case.service} list answered {count} items, not 50")
    return ""


# ---------------------------------------------------------------------------------------------
# wrk


def wrk(
    bench: Bench,
    url: str,
    method: str,
    path: str,
    tok: str,
    body: str,
    seconds: float,
    connections: int,
    threads: int,
) -> Wrk:
    run = random.randrange(9000)  # unique write bodies per wrk run (see bench/wrk.lua)
    argv = [
        WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout",
        "10s", "-s", str(LUA), url, "--", method, path, tok, str(run), body,
    ]  # fmt: skip
    process = bench.start(f"wrk-{time.monotonic_ns()}", argv)
    try:
        process.popen.wait(timeout=seconds + 60)
    finally:
        bench.stop(process)
    output = process.output()
    process.log.unlink(missing_ok=True)
    line = next((ln for ln in output.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if process.popen.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.popen.returncode}):\n{output[-2000:]}")
    result = json.loads(line.removeprefix("BENCH_JSON "))
    return Wrk(
        requests=result["requests"],
        seconds=result["duration_us"] / 1e6,
        non_2xx=result["non_2xx"],
        socket_errors=result["connect"] + result["read"] + result["write"] + result["timeout"],
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
    )


def measure(
    bench: Bench, urls: dict[str, str], base_url: str, case: Case, args: argparse.Namespace
) -> Row:
    method, path, body = case.baseline
    shape = (args.connections, args.threads)
    results = []
    for target in ((base_url, method, path, "-", body), (urls[case.service], case.method,
                   case.path, case.token, case.body)):  # fmt: skip
        if args.warmup > 0:
            wrk(bench, *target, args.warmup, *shape)
        results.append(wrk(bench, *target, args.seconds, *shape))
    return Row(case, service=results[1], base=results[0])


# ---------------------------------------------------------------------------------------------


def report(rows: list[Row], args: argparse.Namespace) -> int:
    head = (
        f"{'service':<13}{'operation':<12}{'endpoint':<44}{'req/s':>8}{'base':>8}{'ratio':>7}"
        f"{'target':>8}  {'p50 ms':>7}{'p99 ms':>8}  {'base p50/p99 ms':>15}  {'non-2xx':>7}"
    )
    print()
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s per measurement, gunicorn "
        f"--workers {args.workers} for every service and the baseline (bench/minimal_app.py); "
        f"workers {'running' if args.keep_workers else 'stopped'} while measuring"
    )
    print(head)
    print("-" * len(head))
    below = 0
    for row in rows:
        ok = row.ratio >= row.target
        below += not ok
        errors = row.service.non_2xx + row.service.socket_errors
        endpoint = f"{row.case.method} {row.case.path.split('?')[0]}"
        if len(endpoint) > 43:
            endpoint = endpoint[:40] + "..."
        print(
            f"{row.case.service:<13}{OPERATIONS[row.case.op]:<12}{endpoint:<44}"
            f"{row.service.rps:>8.0f}{row.base.rps:>8.0f}{row.ratio:>7.2f}"
            f"{'≥' + format(row.target, '.2f'):>8}{'' if ok else ' BELOW':<0}  "
            f"{row.service.p50_ms:>7.1f}{row.service.p99_ms:>8.1f}  "
            f"{row.base.p50_ms:>7.1f}/{row.base.p99_ms:<7.1f}  {errors:>7}"
        )
    print(
        "(ratio = req/s of the endpoint / req/s of the minimal app measured right before it; "
        "non-2xx counts wrong statuses and socket errors of the endpoint's run)"
    )
    failed = [r for r in rows if r.service.non_2xx or r.service.socket_errors]
    for row in failed:
        print(
            f"! {row.case.service} {row.case.op}: {row.service.non_2xx} non-2xx responses, "
            f"{row.service.socket_errors} socket errors (see --keep-logs)"
        )
    print(f"{len(rows) - below} of {len(rows)} at or above target")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--services", nargs="+", choices=SERVICES, default=list(SERVICES))
    parser.add_argument("--ops", nargs="+", choices=list(TARGETS), default=list(TARGETS))
    parser.add_argument("--seconds", type=float, default=10, help="per measurement (wrk -d)")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured wrk run before each")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of every server")
    parser.add_argument("--connections", type=int, default=None, help="wrk -c (2 × --workers)")
    parser.add_argument("--threads", type=int, default=1, help="wrk -t")
    parser.add_argument("--items", type=int, default=60, help="seeded per listed resource (≥ 50)")
    parser.add_argument(
        "--keep-workers",
        action="store_true",
        help="keep the services' worker processes (relay, consumer, sweeps) running while "
        "measuring; by default they are stopped once the data is seeded",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    parser.add_argument("--max-seconds", type=int, default=900, help="give up after this long")
    args = parser.parse_args(argv)
    args.connections = args.connections or 2 * args.workers
    args.items = max(args.items, 51)
    if not Path(WRK).exists():
        raise SystemExit("needs wrk (apt-get install wrk)")
    rows = bounded(args.max_seconds, "the bench databases, queues and processes", lambda: run(args))
    if rows is None:
        return 2
    return report(rows, args)


def run(args: argparse.Namespace) -> list[Row]:
    with running(keep_logs=args.keep_logs) as bench:
        progress(f"run {bench.ns.run}: migrating the four databases ...")
        bench.migrate(SERVICES)
        urls = {service: bench.web(service, args.workers) for service in SERVICES}
        metrics_dir = bench.log_dir / "prometheus" / "baseline"
        metrics_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        bench.start(
            "baseline-web",
            [
                sys.executable, "-m", "gunicorn", "--config", "python:shared.gunicorn_conf",
                "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                "bench.minimal_app:app",
            ],
            {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        workers = {service: bench.worker(service) for service in SERVICES}
        bench.wait_web(list(urls.values()))
        wait_for(lambda: requests.get(f"{base_url}/item", timeout=2).ok, timeout=60, interval=0.2)
        bench.wait_workers(SERVICES)
        progress("cluster up; seeding through the APIs ...")
        client = Client(urls)
        known = seed(client, args.services, args.items)
        selected = [c for c in cases(args.services, known) if c.op in args.ops]
        for case in selected:
            check(client, case)
        if not args.keep_workers:
            # Let what the seeding emitted settle, then stop the workers: the baseline has no
            # background work, and on a small machine their relays and consumers would take
            # CPU from the web tier (each write below emits an event).
            wait_for(lambda: bench.queues_idle(SERVICES), timeout=60, interval=0.2)
            time.sleep(1)
            for process in workers.values():
                bench.stop(process)
        progress(f"measuring {len(selected)} endpoints, {args.seconds:g} s each + baseline ...")
        rows = []
        for case in selected:
            row = measure(bench, urls, base_url, case, args)
            progress(
                f"{case.service} {case.op}: {row.service.rps:.0f} req/s vs {row.base.rps:.0f} "
                f"→ {row.ratio:.2f}"
            )
            rows.append(row)
        return rows


if __name__ == "__main__":
    sys.exit(main())
