"""The embedded default: all four services in one process on one port.

SQLite files under the var directory, kombu's in-memory transport, each service's relay, consumer
and sweeps on threads. The apps, handlers, outbox and inbox are the production ones; only the
database and broker URLs differ (and the HTTP server: werkzeug's threaded one instead of
gunicorn, since the in-memory broker lives inside one process).
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request, Response

from shared import migrate
from shared.config import SERVICES
from shared.db import Database
from shared.service import ServiceRuntime, WorkerThreads


def service_module(name: str) -> Any:
    if name not in SERVICES:
        raise ValueError(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
    return importlib.import_module(f"services.{name}")


@dataclass
class Hall:
    """The running embedded system: its apps, their runtimes and worker threads."""

    apps: dict[str, Flask]
    workers: dict[str, WorkerThreads] = field(default_factory=dict)

    def runtime(self, name: str) -> ServiceRuntime:
        rt: ServiceRuntime = self.apps[name].extensions["govhall"]
        return rt

    def wsgi(self) -> DispatcherMiddleware:
        return DispatcherMiddleware(_index, {f"/{name}": app for name, app in self.apps.items()})

    def start(self) -> None:
        # Consumers declare their queues before any relay publishes, or the first events
        # would find no queue bound and be dropped by the broker.
        for name in self.apps:
            self.workers[name] = WorkerThreads(self.runtime(name))
        for worker in self.workers.values():
            worker.start()
        for name, worker in self.workers.items():
            if not worker.wait_ready(10):
                raise RuntimeError(f"{name} consumer did not start")

    def stop(self) -> None:
        for worker in self.workers.values():
            worker.signal_stop()  # all at once: each consumer takes a moment to notice
        for worker in self.workers.values():
            worker.shutdown()


def build(
    var_dir: str | Path,
    overrides: dict[str, Any] | None = None,
    *,
    schemas: Mapping[str, Path] | None = None,
) -> Hall:
    """The hall on SQLite files under `var_dir`, each migrated to head; or, for a service in
    `schemas`, a copy of that file, already migrated to head (the tests migrate once a run)."""
    var = Path(var_dir)
    var.mkdir(parents=True, exist_ok=True)
    apps: dict[str, Flask] = {}
    for name in SERVICES:
        database = (var / f"{name}.db").resolve()
        if schemas and name in schemas:
            copy_database(schemas[name], database)
        config = {
            "database_url": f"sqlite:///{database}",
            "broker_url": "memory://",
            "var_dir": str(var),
            # A commit that wrote events wakes its relay (Database.on_outbox_write): the poll is
            # only the fallback, and each one takes SQLite's write lock.
            "outbox_poll_interval": 1.0,
            "embedded": True,
            **(overrides or {}),
        }
        apps[name] = service_module(name).create_app(config)
        if not (schemas and name in schemas):
            migrate.upgrade(apps[name].extensions["govhall"])
    return Hall(apps)


def migrated(folder: Path) -> None:
    """Each service's SQLite file in `folder` migrated to head and closed, to be copied (the
    schema cache): alembic alone, no app, so no settings are read and no key is generated."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in SERVICES:
        spec = service_module(name).SPEC
        db = Database(f"sqlite:///{(folder / f'{name}.db').resolve()}", spec.metadata)
        try:
            migrate.upgrade_database(spec, db)
        finally:
            db.dispose()  # the write-ahead log folded into the file


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file, with what its write-ahead log holds (SQLite's
    backup: a plain file copy could miss the log or catch a write half done)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


INDEX = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>govhall 政务服务大厅</title></head>
<body><h1>govhall 政务服务大厅</h1>
<p>The four services of this hall. Each has its API under <code>/api/v1</code>,
interactive docs at <code>docs</code>, health at <code>livez</code>/<code>readyz</code> and
Prometheus metrics at <code>metrics</code>.</p>
<ul>{items}</ul>
<p><a href="/registry/">公共服务目录 · Public directory of windows and matter guides</a></p>
</body></html>"""


NOSNIFF = {"X-Content-Type-Options": "nosniff"}  # as every service's answer (shared.web)


@Request.application
def _index(request: Request) -> Response:
    if request.path not in ("/", ""):
        return Response(
            '{"type":"about:blank","title":"Not Found","status":404}',
            404,
            mimetype="application/problem+json",
            headers=NOSNIFF,
        )
    items = "".join(
        f'<li><a href="/{n}/docs">{n}</a> · <a href="/{n}/readyz">readyz</a> · '
        f'<a href="/{n}/metrics">metrics</a></li>'
        for n in SERVICES
    )
    return Response(INDEX.format(items=items), mimetype="text/html", headers=NOSNIFF)
