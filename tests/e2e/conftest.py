"""The services as separate processes: each web tier under gunicorn, each worker on its own."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest
import requests

from shared.config import SERVICES
from tests.halls import UNLIMITED_ENV
from tests.integration.conftest import require_servers
from tests.mailbox import Mailbox
from tests.support import Namespace, Process, free_port, processes, wait_for

GOVHALL = [sys.executable, "-m", "services.hall.cli"]


@dataclass
class Cluster:
    namespace: Namespace
    urls: dict[str, str]
    workers: dict[str, object]
    start: object
    log_dir: Path
    # Every instance of a service, the first one being `urls` / `workers` above.
    web_urls: dict[str, list[str]] = field(default_factory=dict)
    worker_processes: dict[str, list[Process]] = field(default_factory=dict)
    # The workers' own metrics endpoints (`govhall worker --metrics-port`), when asked for.
    worker_metrics_urls: dict[str, list[str]] = field(default_factory=dict)

    def url(self, service: str, path: str) -> str:
        return f"{self.urls[service]}{path}"

    def instance_url(self, service: str, index: int, path: str) -> str:
        return f"{self.web_urls[service][index]}{path}"


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """The hall's mail server: a real SMTP server on 127.0.0.1 that keeps what arrives."""
    from aiosmtpd.controller import Controller

    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[Cluster]:
    with running_cluster(tmp_path_factory.mktemp("e2e-logs"), mailbox) as running:
        yield running


@contextmanager
def running_cluster(
    log_dir: Path,
    mailbox: Mailbox,
    *,
    instances: int = 1,
    web_workers: int = 2,
    worker_metrics: bool = False,
) -> Iterator[Cluster]:
    """All four services on their own databases, exchange and queues, every process stopped
    by its PID on exit. `instances` web tiers and workers per service share one database and
    one queue per service; each instance has its own Prometheus multiprocess folder."""
    require_servers()
    smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port), "SMTP_FROM": "hall@e2e"}
    ns = Namespace()
    ns.create_databases()
    try:
        with processes(log_dir, together=True) as start:
            _migrate(ns, log_dir, smtp)
            web_urls: dict[str, list[str]] = {service: [] for service in SERVICES}
            for service in SERVICES:
                for index in range(instances):
                    port = free_port()
                    start(
                        _name(service, "web", index),
                        [
                            *GOVHALL,
                            "serve",
                            service,
                            "--bind",
                            f"127.0.0.1:{port}",
                            "--workers",
                            str(web_workers),
                        ],
                        {**_env(ns, service, log_dir, index), **smtp},
                    )
                    web_urls[service].append(f"http://127.0.0.1:{port}")
            # After the web tier: `serve` wipes the metrics folder the worker shares with it.
            worker_processes: dict[str, list[Process]] = {service: [] for service in SERVICES}
            worker_metrics_urls: dict[str, list[str]] = {}
            for service in SERVICES:
                for index in range(instances):
                    argv = [*GOVHALL, "worker", service]
                    if worker_metrics:
                        port = free_port()
                        argv += ["--metrics-port", str(port)]
                        worker_metrics_urls.setdefault(service, []).append(
                            f"http://127.0.0.1:{port}"
                        )
                    worker_processes[service].append(
                        start(
                            _name(service, "worker", index),
                            argv,
                            {**_env(ns, service, log_dir, index), **smtp},
                        )
                    )
            for urls in web_urls.values():
                for url in urls:
                    wait_for(partial(_ready, url), timeout=30, interval=0.2)
            # Workers declare their queues on start; wait so no event finds its queue missing.
            wait_for(
                lambda: all(
                    "worker running" in (log_dir / f"{_name(s, 'worker', i)}.log").read_text()
                    for s in SERVICES
                    for i in range(instances)
                ),
                timeout=30,
                interval=0.2,
            )
            if instances > 1:
                # Every instance consuming, so the broker shares the events among them.
                wait_for(
                    lambda: all(
                        (ns.queue_counts(ns.queue_name(s)) or (0, 0))[1] == instances
                        for s in SERVICES
                    ),
                    timeout=30,
                    interval=0.2,
                )
            yield Cluster(
                ns,
                {service: urls[0] for service, urls in web_urls.items()},
                {service: procs[0] for service, procs in worker_processes.items()},
                start,
                log_dir,
                web_urls=web_urls,
                worker_processes=worker_processes,
                worker_metrics_urls=worker_metrics_urls,
            )
    finally:
        ns.delete_broker_entities()
        ns.drop_databases()


def _ready(url: str) -> bool:
    return requests.get(f"{url}/readyz", timeout=2).status_code == 200


def _name(service: str, kind: str, index: int) -> str:
    """`registry-web`, `registry-worker` for the first instance (as ever), then `-2`, `-3`…"""
    return f"{service}-{kind}" if index == 0 else f"{service}-{kind}-{index + 1}"


def _migrate(ns: Namespace, log_dir: Path, smtp: dict[str, str]) -> None:
    """Every service's schema, the four at once (each has its own database)."""
    import os

    running = {
        service: subprocess.Popen(
            [*GOVHALL, "migrate", service],
            env={**os.environ, **_env(ns, service, log_dir), **smtp},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for service in SERVICES
    }
    for migration in running.values():
        output, _ = migration.communicate(timeout=120)
        if migration.returncode != 0:
            raise subprocess.CalledProcessError(migration.returncode, migration.args, output=output)


def _env(ns: Namespace, service: str, log_dir: Path, index: int = 0) -> dict[str, str]:
    import os

    folder = service if index == 0 else f"{service}-{index + 1}"
    return {
        **ns.environment(service),
        "VAR_DIR": str(log_dir / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(log_dir / "prometheus" / folder),
        "RETRY_BASE_DELAY": "0.1",
        "OUTBOX_POLL_INTERVAL": "0.05",
        # Clusters of up to 8 web processes and 8 workers share one PostgreSQL (100 connections):
        # two threads per web process keep them under it.
        "WEB_THREADS": "2",
        **UNLIMITED_ENV,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2])]),
    }
