"""The services as separate processes: each web tier under gunicorn, each worker on its own."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from shared.config import SERVICES
from shared.testing import Namespace, free_port, processes, wait_for
from tests.integration.conftest import require_servers
from tests.mailbox import Mailbox

GOVHALL = [sys.executable, "-m", "shared.cli"]


@dataclass
class Cluster:
    namespace: Namespace
    urls: dict[str, str]
    workers: dict[str, object]
    start: object
    log_dir: Path

    def url(self, service: str, path: str) -> str:
        return f"{self.urls[service]}{path}"


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
    require_servers()
    smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port), "SMTP_FROM": "hall@e2e"}
    ns = Namespace()
    ns.create_databases()
    log_dir = tmp_path_factory.mktemp("e2e-logs")
    try:
        with processes(log_dir) as start:
            for service in SERVICES:
                subprocess.run(
                    [*GOVHALL, "migrate", service],
                    env={**_env(ns, service, log_dir), **smtp},
                    check=True,
                    capture_output=True,
                )
            urls = {}
            for service in SERVICES:
                port = free_port()
                start(
                    f"{service}-web",
                    [*GOVHALL, "serve", service, "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                    {**_env(ns, service, log_dir), **smtp},
                )
                urls[service] = f"http://127.0.0.1:{port}"
            # After the web tier: `serve` wipes the metrics folder the worker shares with it.
            workers = {
                service: start(
                    f"{service}-worker",
                    [*GOVHALL, "worker", service],
                    {**_env(ns, service, log_dir), **smtp},
                )
                for service in SERVICES
            }
            for url in urls.values():
                wait_for(
                    lambda u=url: requests.get(f"{u}/readyz", timeout=2).status_code == 200,
                    timeout=30,
                    interval=0.2,
                )
            # Workers declare their queues on start; wait so no event finds its queue missing.
            wait_for(
                lambda: all(
                    "worker running" in (log_dir / f"{s}-worker.log").read_text() for s in SERVICES
                ),
                timeout=30,
                interval=0.2,
            )
            yield Cluster(ns, urls, workers, start, log_dir)
    finally:
        ns.delete_broker_entities()
        ns.drop_databases()


def _env(ns: Namespace, service: str, log_dir: Path) -> dict[str, str]:
    import os

    return {
        **ns.environment(service),
        "VAR_DIR": str(log_dir / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(log_dir / "prometheus" / service),
        "RETRY_BASE_DELAY": "0.1",
        "OUTBOX_POLL_INTERVAL": "0.05",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2])]),
    }
