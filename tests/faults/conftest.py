"""Fault injection against services running as real processes (gunicorn web, `govhall worker`).

Why proxies and not the servers: PostgreSQL and RabbitMQ on 127.0.0.1 are shared with other
people's test runs and with CI on this machine, so these tests never stop, restart or
reconfigure them. Every service process reaches them through a `TcpProxy` (tests/faults/proxy.py)
of its own test instead; from the service's side a proxy that resets every connection and
refuses new ones is the server gone (the same RST and ECONNREFUSED), and resuming it is the
server back. The test's own checks read the databases and the broker directly, not through it.

Each test starts only the processes it needs, on its own databases, exchange and queues
(`Namespace`), and stops every one of them by its PID (process group) afterwards. Setup and the
test body together must finish within `TIME_LIMIT` seconds, or the test fails there and then.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from tests.faults.proxy import TcpProxy
from tests.integration.conftest import require_servers
from tests.support import AMQP_URL, Namespace, Process, free_port, processes, wait_for

GOVHALL = [sys.executable, "-m", "services.hall.cli"]
TIME_LIMIT = 60.0
ROOT = Path(__file__).resolve().parents[2]


class TimeLimitExceeded(Exception):
    pass


@dataclass
class Faults:
    """One test's services, the proxies in front of their servers, and ways to look inside."""

    ns: Namespace
    log_dir: Path
    db: TcpProxy  # every service process reaches PostgreSQL through this
    broker: TcpProxy  # … and RabbitMQ through this
    _start: Callable[..., Process]
    env_extra: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    webs: dict[str, Process] = field(default_factory=dict)
    workers: dict[str, Process] = field(default_factory=dict)
    _engines: dict[str, Engine] = field(default_factory=dict)
    _starts: Counter[str] = field(default_factory=Counter)

    # -- processes ---------------------------------------------------------------------------
    def env(self, service: str, **extra: str) -> dict[str, str]:
        db_url = make_url(self.ns.database_url(service)).set(port=self.db.port)
        amqp = urlsplit(AMQP_URL)
        netloc = amqp.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{self.broker.port}"
        metrics_dir = self.log_dir / "prometheus" / service
        metrics_dir.mkdir(parents=True, exist_ok=True)
        return {
            **self.ns.environment(service),
            "DATABASE_URL": db_url.render_as_string(hide_password=False),
            "BROKER_URL": urlunsplit(amqp._replace(netloc=netloc)),
            "VAR_DIR": str(self.log_dir / "var"),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "RETRY_BASE_DELAY": "0.1",
            "OUTBOX_POLL_INTERVAL": "0.05",
            "PYTHONPATH": str(ROOT),
            **self.env_extra,
            **extra,
        }

    def migrate(self, *services: str) -> None:
        """Schemas straight on PostgreSQL (not through the proxy), the services at once."""
        running = [
            subprocess.Popen(
                [*GOVHALL, "migrate", service],
                env={
                    **os.environ,
                    **self.env(service),
                    "DATABASE_URL": self.ns.database_url(service),
                },
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for service in services
        ]
        for migration in running:
            output, _ = migration.communicate(timeout=40)
            assert migration.returncode == 0, output.decode(errors="replace")

    def web(self, service: str, *, workers: int = 2, **extra: str) -> str:
        port = free_port()
        self.webs[service] = self._start(
            self._name(service, "web"),
            [*GOVHALL, "serve", service, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
            self.env(service, **extra),
        )
        self.urls[service] = f"http://127.0.0.1:{port}"
        return self.urls[service]

    def worker(self, service: str, **extra: str) -> Process:
        process = self._start(
            self._name(service, "worker"), [*GOVHALL, "worker", service], self.env(service, **extra)
        )
        self.workers[service] = process
        return process

    def _name(self, service: str, kind: str) -> str:
        self._starts[f"{service}-{kind}"] += 1
        n = self._starts[f"{service}-{kind}"]
        return f"{service}-{kind}" if n == 1 else f"{service}-{kind}-{n}"

    def wait_ready(
        self, *, consumers: tuple[str, ...] = (), unconsumed: tuple[str, ...] = ()
    ) -> None:
        """Every web tier answers /readyz and each of `consumers` has one worker on its queue.

        /readyz also wants a consumer on the service's queue; a test that starts a web tier
        before its worker names the service in `unconsumed`: ready but for that."""
        for service, url in self.urls.items():
            check = _ready_but_the_consumer if service in unconsumed else _ready
            wait_for(partial(check, url), timeout=30, interval=0.2)
        for service in consumers:
            wait_for(lambda s=service: self.consumers_on(s) == 1, timeout=30, interval=0.1)

    def consumers_on(self, service: str) -> int:
        counts = self.ns.queue_counts(self.ns.queue_name(service))
        return counts[1] if counts else 0

    def kill(self, process: Process) -> None:
        """SIGKILL, no chance to finish anything: the process group of that one process."""
        os.killpg(process.pid, signal.SIGKILL)
        process.popen.wait(10)

    def url(self, service: str, path: str) -> str:
        return f"{self.urls[service]}{path}"

    # -- looking inside (straight to the servers) --------------------------------------------
    def engine(self, service: str) -> Engine:
        if service not in self._engines:
            self._engines[service] = create_engine(self.ns.database_url(service))
        return self._engines[service]

    def scalar(self, service: str, sql: str, **params: Any) -> Any:
        with self.engine(service).connect() as conn:
            return conn.execute(text(sql), params).scalar_one()

    def rows(self, service: str, sql: str, **params: Any) -> list[Any]:
        with self.engine(service).connect() as conn:
            return list(conn.execute(text(sql), params))

    def waiting_on_a_lock(self, service: str) -> int:
        """Sessions of a service's database blocked on a row lock (a test holds one)."""
        return int(
            self.scalar(
                service,
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = :db AND wait_event_type = 'Lock'",
                db=self.ns.database(service),
            )
        )

    def outcomes(self, service: str) -> Counter[tuple[str, str]]:
        """(event id, outcome) → times, from the JSON log lines of all of a service's workers."""
        seen: Counter[tuple[str, str]] = Counter()
        for log in self.log_dir.glob(f"{service}-worker*.log"):
            for line in log.read_text(errors="replace").splitlines():
                if not line.startswith("{"):
                    continue
                with contextlib.suppress(ValueError):
                    entry = json.loads(line)
                    # The workers' own audit checkpoints are not what a test sent.
                    own = str(entry.get("event_type", "")).endswith(".audit.checkpointed.v1")
                    if entry.get("outcome") and entry.get("event_id") and not own:
                        seen[(entry["event_id"], entry["outcome"])] += 1
        return seen

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()


def _ready(url: str) -> bool:
    return requests.get(f"{url}/readyz", timeout=2).status_code == 200


def _ready_but_the_consumer(url: str) -> bool:
    answer = requests.get(f"{url}/readyz", timeout=2)
    checks = answer.json().get("checks", {}) if answer.status_code in (200, 503) else {}
    return bool(checks) and all(
        value == "ok" for name, value in checks.items() if name not in ("consumer", "calendar")
    )


@pytest.fixture
def faults(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Faults]:
    """Proxies, databases and a process starter for one test; processes are added by the test.

    The time limit is armed first, so starting the services counts against it; it is disarmed
    before clean-up, which is bounded on its own (SIGTERM, then SIGKILL after 10 s)."""
    require_servers()
    started = time.monotonic()
    _arm(TIME_LIMIT, request.node.nodeid)
    ns = Namespace()
    pg = make_url(ns.database_url("registry"))
    amqp = urlsplit(AMQP_URL)
    db_proxy = TcpProxy((pg.host or "127.0.0.1", pg.port or 5432)).start()
    broker_proxy = TcpProxy((amqp.hostname or "127.0.0.1", amqp.port or 5672)).start()
    ns.create_databases()
    faults: Faults | None = None
    try:
        with processes(tmp_path, together=True) as start:
            faults = Faults(ns, tmp_path, db_proxy, broker_proxy, start)
            try:
                yield faults
            finally:
                _disarm()
                # The servers back before the processes stop, so none hangs on its way out.
                db_proxy.resume()
                broker_proxy.resume()
                print(
                    f"\n[faults] {request.node.name}: {time.monotonic() - started:.1f}s "
                    f"(setup and test), logs in {tmp_path}"
                )
    finally:
        _disarm()
        if faults is not None:
            faults.dispose()
        db_proxy.close()
        broker_proxy.close()
        ns.delete_broker_entities()
        ns.drop_databases()


def _arm(seconds: float, nodeid: str) -> None:
    def expired(_signum: int, _frame: Any) -> None:
        raise TimeLimitExceeded(f"{nodeid} took longer than {seconds:.0f}s")

    signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _disarm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
