"""`govhall serve`, `worker` and `migrate`: one service's web tier, its background threads, its
schema, each as a process of its own (production; `govhall up` runs all four in one).

Imports stay inside the commands: `serve` must set PROMETHEUS_MULTIPROC_DIR before
prometheus_client is first imported anywhere in the process.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
from pathlib import Path

import click

from services.hall.cli_common import SERVICE, service_settings


@click.command()
@click.argument("name", type=SERVICE)
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(name: str, bind: str, workers: int) -> None:
    """Run a service's web tier under gunicorn (Prometheus multiprocess mode)."""
    service_settings(name, separate_process=True)  # refused here in one line, not in each worker
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(
        Path(os.environ.get("VAR_DIR", "var")) / "prometheus" / name
    )
    # Stale files from a previous run would add old counts to the new ones.
    shutil.rmtree(metrics_dir, ignore_errors=True)
    Path(metrics_dir).mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    os.environ["GOVHALL_SERVICE"] = name  # for gunicorn's own log lines (shared.gunicorn_conf)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:shared.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
        f"services.{name}.wsgi:app",
    ]
    os.execv(sys.executable, argv)


@click.command()
@click.argument("name", type=SERVICE)
@click.option(
    "--metrics-port",
    type=int,
    default=None,
    envvar="WORKER_METRICS_PORT",
    help="Serve this worker's metrics on this port.",
)
@click.option(
    "--metrics-addr",
    default="127.0.0.1",
    show_default=True,
    envvar="WORKER_METRICS_ADDR",
    help="The address the metrics server binds (0.0.0.0 in a container, for Prometheus).",
)
def worker(name: str, metrics_port: int | None, metrics_addr: str) -> None:
    """Run a service's outbox relay, event consumer and periodic sweeps."""
    from services.hall import embedded
    from shared import logs
    from shared.service import ServiceRuntime, WorkerThreads

    logs.configure(service=name)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_addr)
    spec = embedded.service_module(name).SPEC
    threads = WorkerThreads(ServiceRuntime(spec, service_settings(name, separate_process=True)))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads.start()
    click.echo(f"{name} worker running (pid {os.getpid()})")
    stop.wait()
    threads.shutdown()


@click.command("migrate")
@click.argument(
    "name", type=click.Choice(["registry", "staffing", "inspection", "notification", "all"])
)
def migrate_command(name: str) -> None:
    """Bring a service's database to the newest schema (Alembic), as the owner
    (<SERVICE>_MIGRATE_DATABASE_URL) granting the runtime role (<SERVICE>_DATABASE_URL's user)."""
    from services.hall import embedded
    from shared import config, migrate
    from shared.service import ServiceRuntime

    names = list(config.SERVICES) if name == "all" else [name]
    for each in names:
        spec = embedded.service_module(each).SPEC
        settings = service_settings(each)
        role = migrate.runtime_role_of(settings)
        owner = settings.with_(
            database_url=settings.migrate_database_url or settings.database_url,
            database_timeouts=settings.database_timeouts.for_migrations(),
        )
        migrate.upgrade(ServiceRuntime(spec, owner), runtime_role=role)
        click.echo(f"{each}: migrated" + (f" (runtime role {role} granted)" if role else ""))
