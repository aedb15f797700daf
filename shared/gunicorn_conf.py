"""gunicorn settings for `govhall serve`: JSON log lines, Prometheus multiprocess clean-up."""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from shared import logs


def _service() -> str | None:
    named = os.environ.get("GOVHALL_SERVICE")
    if named:
        return named
    target = next((arg for arg in sys.argv if re.fullmatch(r"services\.\w+\.wsgi:app", arg)), "")
    return target.split(".")[1] if target else None


# The app writes the access line (request id, actor, no query string); gunicorn's is off.
accesslog = None
logs.mask_environment()
logconfig_dict = logs.gunicorn_config(_service())
# Threads, not one request per process: a request waiting on the database (a few seconds at
# most, shared/pg.py) holds one thread, and /livez and the rest are answered by the others.
# The gunicorn timeout watches the worker's main loop, so no waiting request gets it killed.
# Each thread may hold a database connection: 4 per process, 8 per pod of two processes.
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
graceful_timeout = 20


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
