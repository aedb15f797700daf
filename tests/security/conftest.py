"""One demo hall for the security tests: loading it takes most of their time."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared import demo, embedded
from shared.demo import DemoClient
from shared.embedded import Hall
from shared.testing import TEST_SECRET
from tests.security.matrix import Commits, Demo, gather


@pytest.fixture(scope="session")
def matrix_hall() -> Iterator[tuple[Hall, Demo]]:
    """The demo hall with what it lacks for the matrix; its workers stopped, so that nothing
    changes but what the requests change."""
    run = uuid.uuid4().hex[:8]
    settings = {
        "jwt_secret": TEST_SECRET,
        "events_exchange": f"govhall.events.{run}",
        "dead_exchange": f"govhall.dead.{run}",
        "queue_prefix": f"{run}.",
    }
    # Loading the demo is bound by SQLite's fsyncs: in memory (tmpfs) it takes half the time.
    shm = Path("/dev/shm")
    var = Path(tempfile.mkdtemp(prefix="govhall-matrix-", dir=shm if shm.is_dir() else None))
    try:
        hall = embedded.build(var / "var", settings)
        hall.start()
        try:
            assert demo.load(hall)
            found = gather(DemoClient(hall))
            demo._settle(hall)
        finally:
            hall.stop()
        yield hall, found
        for name in hall.apps:
            hall.runtime(name).db.dispose()
    finally:
        shutil.rmtree(var, ignore_errors=True)


@pytest.fixture(scope="session")
def commits(matrix_hall: tuple[Hall, Demo]) -> Iterator[Commits]:
    watching = Commits(matrix_hall[0])
    yield watching
    watching.close()
