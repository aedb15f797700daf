"""gunicorn settings for `govhall serve`: Prometheus multiprocess clean-up per worker."""

from __future__ import annotations

from typing import Any

accesslog = "-"
worker_class = "sync"
graceful_timeout = 20


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
