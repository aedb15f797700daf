"""Embedded halls for tests: each on an exchange and queues of its own, the demo loaded or not."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from services.hall import demo, embedded
from services.hall.demo.client import settle
from services.hall.embedded import Hall
from shared.config import SERVICES
from shared.config_bounds import DEFAULT_LIMITS
from tests.support import TEST_SECRET

# The public endpoints' limits and lockout, raised out of reach: the suites call them far more
# often, from one address, than an applicant would. tests/security/test_rate_limits.py and
# tests/integration/test_rate_limits_redis.py check the real ones.
UNLIMITED: dict[str, Any] = {
    "rate_limits": dict.fromkeys(DEFAULT_LIMITS, "1000000/minute"),
    "lockout_failures": 1_000_000,
    "lockout_receipt_failures": 1_000_000,
}
UNLIMITED_ENV = {
    **{f"RATE_LIMIT_{name.upper()}": "1000000/minute" for name in DEFAULT_LIMITS},
    "LOCKOUT_FAILURES": "1000000",
    "LOCKOUT_RECEIPT_FAILURES": "1000000",
}


def own_settings(**overrides: Any) -> dict[str, Any]:
    """The test key, and broker names no other hall in this process uses (the in-memory
    broker is one per process); the public limits raised (`UNLIMITED`)."""
    run = uuid.uuid4().hex[:8]
    return {
        **UNLIMITED,
        "jwt_secret": TEST_SECRET,
        "events_exchange": f"govhall.events.{run}",
        "dead_exchange": f"govhall.dead.{run}",
        "queue_prefix": f"{run}.",
        **overrides,
    }


_SCHEMAS: dict[str, Path] = {}


def schemas() -> dict[str, Path]:
    """Each service's SQLite file migrated to head, once a process: every hall starts from a
    copy (milliseconds) instead of running alembic four times (most of a test's set-up)."""
    if not _SCHEMAS:
        folder = Path(tempfile.mkdtemp(prefix="govhall-schemas-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        migrated = embedded.build(folder, own_settings())
        for name in migrated.apps:
            migrated.runtime(name).db.dispose()  # its write-ahead log folded into the file
            _SCHEMAS[name] = folder / f"{name}.db"
    return _SCHEMAS


def build(var: Path, settings: dict[str, Any]) -> Hall:
    """`embedded.build` on copies of the migrated schemas (`schemas`), not yet started."""
    return embedded.build(var, settings, schemas=schemas())


def _tmpfs() -> Path | None:
    shm = Path("/dev/shm")
    return shm if shm.is_dir() else None


_DEMO: list[Path] = []


def _loaded_demo() -> Path:
    """The var folder of a demo hall loaded once a process (tens of seconds), settled and
    stopped: every `demo_hall` starts from a copy of it. Loading is bound by SQLite's fsyncs,
    so it goes to tmpfs where there is one."""
    if not _DEMO:
        folder = Path(tempfile.mkdtemp(prefix="govhall-demo-", dir=_tmpfs()))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        hall = build(folder / "var", own_settings())
        hall.start()
        try:
            assert demo.load(hall)
            settle(hall)
        finally:
            hall.stop()
            for name in hall.apps:
                hall.runtime(name).db.dispose()  # write-ahead logs folded into the files
        _DEMO.append(folder / "var")
    return _DEMO[0]


@contextmanager
def demo_hall(prefix: str) -> Iterator[Hall]:
    """The demo hall (docs/demo.md), running, on its own copy of the demo loaded once a
    process (`_loaded_demo`); stopped and its files removed afterwards."""
    loaded = _loaded_demo()
    var = Path(tempfile.mkdtemp(prefix=f"govhall-{prefix}-", dir=_tmpfs()))
    try:
        # The audit key and whatever else the hall keeps beside its databases.
        shutil.copytree(loaded, var / "var", ignore=shutil.ignore_patterns("*.db", "*.db-*"))
        copies = {name: loaded / f"{name}.db" for name in SERVICES}
        hall = embedded.build(var / "var", own_settings(), schemas=copies)
        hall.start()
        try:
            yield hall
        finally:
            hall.stop()
            for name in hall.apps:
                hall.runtime(name).db.dispose()
    finally:
        shutil.rmtree(var, ignore_errors=True)
