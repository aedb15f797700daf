"""What `http_ratio`, `relay` and `latency` share: the real services as child processes on
PostgreSQL and RabbitMQ, on databases and broker entities of their own, and the clean-up.

The services run exactly as deployed (`govhall serve <svc> --bind … --workers N`, gunicorn with
`--config python:shared.gunicorn_conf`, and `govhall worker <svc>`, both as
`python -m services.hall.cli`), with the environment `tests/e2e/conftest.py` gives them.
`Bench` owns everything a run makes:
the databases (dropped WITH FORCE), the exchanges and queues (deleted), every child process
(stopped by its PID, its whole process group), the log folder (deleted unless kept), also after
an error, Ctrl-C, SIGTERM or the `--max-seconds` alarm.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TypeVar

import requests
from sqlalchemy import create_engine, text

from bench.cases_scale import Alarm, _interruption
from shared.config import SERVICES
from shared.config_bounds import DEFAULT_LIMITS
from tests.support import (
    AMQP_URL,
    PG_ADMIN_URL,
    Namespace,
    Process,
    free_port,
    port_open,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[1]
GOVHALL = [sys.executable, "-m", "services.hall.cli"]

__all__ = ["AMQP_URL", "Alarm", "Bench", "bounded", "running"]
T = TypeVar("T")


def bounded(max_seconds: int, made: str, measure: Callable[[], T]) -> T | None:
    """`measure()`, stopped by SIGTERM or after `max_seconds` with every `finally` run (so
    what it `made` is gone); None, once that is said, when it was stopped that way."""
    install_stop(max_seconds)
    try:
        return measure()
    except BaseException as exc:
        reason = _interruption(exc)
        if reason is None:
            raise
        print(f"stopped: {reason}; {made} are gone", file=sys.stderr)
        return None
    finally:
        signal.alarm(0)


def install_stop(max_seconds: int) -> None:
    """SIGTERM and the --max-seconds alarm raise `Alarm`, so every `finally` runs."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGALRM:
            raise Alarm(f"ran longer than --max-seconds {max_seconds}")
        raise Alarm(f"terminated by signal {signum}")

    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.alarm(max_seconds)


def require_servers() -> None:
    missing = [
        name
        for name, port in (("PostgreSQL", 5432), ("RabbitMQ", 5672))
        if not port_open("127.0.0.1", port)
    ]
    if missing:
        raise SystemExit(f"needs {' and '.join(missing)} on 127.0.0.1 (see bench/README.md)")


@dataclass
class Bench:
    ns: Namespace
    log_dir: Path
    poll_interval: float | None = None  # OUTBOX_POLL_INTERVAL; None: the services' default
    started: list[Process] = field(default_factory=list)

    # -- processes -----------------------------------------------------------------------------
    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Process:
        log = self.log_dir / f"{name}.log"
        handle = log.open("wb")
        try:
            popen = subprocess.Popen(
                argv,
                env={**os.environ, **(env or {})},
                stdout=handle,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,  # its own group: stop() reaches gunicorn's workers
            )
        finally:
            handle.close()
        process = Process(name, popen, log)
        self.started.append(process)
        return process

    def stop(self, process: Process) -> None:
        process.stop()
        with contextlib.suppress(ValueError):
            self.started.remove(process)

    def stop_all(self) -> None:
        for process in reversed(self.started):
            with contextlib.suppress(Exception):
                process.stop(timeout=5)
        self.started.clear()

    # -- the services --------------------------------------------------------------------------
    def env(self, service: str) -> dict[str, str]:
        values = {
            **self.ns.environment(service),
            "VAR_DIR": str(self.log_dir / "var"),
            "PROMETHEUS_MULTIPROC_DIR": str(self.log_dir / "prometheus" / service),
            "RETRY_BASE_DELAY": "0.1",
            "PYTHONPATH": str(ROOT),
            # The benchmarks measure the services, from one address: the public limits raised.
            **{f"RATE_LIMIT_{name.upper()}": "1000000/minute" for name in DEFAULT_LIMITS},
            "LOCKOUT_FAILURES": "1000000",
            "LOCKOUT_RECEIPT_FAILURES": "1000000",
        }
        if self.poll_interval is not None:
            values["OUTBOX_POLL_INTERVAL"] = str(self.poll_interval)
        return values

    def migrate(self, services: Sequence[str]) -> None:
        """Each service's schema, all at once (each has its own database)."""
        running = {
            service: subprocess.Popen(
                [*GOVHALL, "migrate", service],
                env={**os.environ, **self.env(service)},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
            for service in services
        }
        failed = []
        for service, migration in running.items():
            try:
                output, _ = migration.communicate(timeout=180)
            except BaseException:
                for other in running.values():
                    with contextlib.suppress(Exception):
                        other.kill()
                raise
            if migration.returncode != 0:
                failed.append(f"{service}: {output.decode(errors='replace')[-2000:]}")
        if failed:
            raise RuntimeError("migration failed\n" + "\n".join(failed))

    def web(self, service: str, workers: int) -> str:
        port = free_port()
        argv = [*GOVHALL, "serve", service, "--bind", f"127.0.0.1:{port}"]
        self.start(f"{service}-web", [*argv, "--workers", str(workers)], self.env(service))
        return f"http://127.0.0.1:{port}"

    def worker(self, service: str) -> Process:
        # `serve` makes (and wipes) the metrics folder; a worker without a web tier needs it too.
        (self.log_dir / "prometheus" / service).mkdir(parents=True, exist_ok=True)
        return self.start(f"{service}-worker", [*GOVHALL, "worker", service], self.env(service))

    def wait_web(self, urls: Sequence[str], timeout: float = 60) -> None:
        for url in urls:
            wait_for(
                lambda u=url: requests.get(f"{u}/readyz", timeout=2).status_code == 200,
                timeout=timeout,
                interval=0.2,
            )

    def wait_workers(self, services: Sequence[str], timeout: float = 60) -> None:
        """Until each worker has declared its queue, so no event finds its queue missing."""

        def running() -> bool:
            return all(
                "worker running" in (self.log_dir / f"{s}-worker.log").read_text(errors="replace")
                for s in services
            )

        wait_for(running, timeout=timeout, interval=0.2)
        wait_for(lambda: all(self._queue(s)[1] for s in services), timeout=timeout, interval=0.2)

    def queues_idle(self, services: Sequence[str]) -> bool:
        """No event waits in any service's queue (what is in flight is being handled)."""
        return all(self._queue(s)[0] == 0 for s in services)

    def _queue(self, service: str) -> tuple[int, int]:
        """(messages ready, consumers) of a service's queue; (0, 0) while it does not exist."""
        return self.ns.queue_counts(self.ns.queue_name(service)) or (0, 0)

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running(
    keep_logs: bool = False,
    poll_interval: float | None = None,
    services: Sequence[str] = SERVICES,
) -> Iterator[Bench]:
    """A `Bench` with a fresh database for each of `services`; the databases, the broker
    entities, the processes and the logs go away on exit."""
    require_servers()
    ns = Namespace(run="b" + os.urandom(4).hex()[:7])
    log_dir = Path(tempfile.mkdtemp(prefix=f"govhall-bench-{ns.run}-"))
    bench = Bench(ns, log_dir, poll_interval)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            # The deployed roles: `migrate` runs as the owner and grants the runtime role.
            for role in (ns.owner_role, ns.runtime_role):
                conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            for service in services:
                owner = ns.owner_role
                conn.execute(text(f'CREATE DATABASE "{ns.database(service)}" OWNER "{owner}"'))
        yield bench
    finally:
        # Ignore a second Ctrl-C or signal while cleaning up: a half-done clean-up leaks.
        previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
        signal.alarm(0)
        try:
            bench.stop_all()
            with contextlib.suppress(Exception):
                ns.delete_broker_entities()
            try:
                with admin.connect() as conn:
                    for service in SERVICES:
                        name = ns.database(service)
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    for role in (ns.runtime_role, ns.owner_role):
                        conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
            except Exception as exc:  # reported, not hidden
                print(f"could not drop the bench databases: {exc}", file=sys.stderr)
            admin.dispose()
            if keep_logs:
                print(f"logs kept in {log_dir}", file=sys.stderr)
            else:
                shutil.rmtree(log_dir, ignore_errors=True)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), nearest rank: a p99 is a latency some sample really had."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), -(-len(ordered) * q // 100)))
    return ordered[int(rank) - 1]
