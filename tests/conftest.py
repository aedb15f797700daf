"""Fixtures every test folder uses."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared import embedded
from shared.embedded import Hall
from shared.testing import TEST_SECRET


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Hall]:
    """The embedded system in this process: SQLite files, in-memory broker, worker threads."""
    # The in-memory broker is one per process: each test gets its own exchange and queues.
    run = uuid.uuid4().hex[:8]
    running = embedded.build(
        tmp_path / "var",
        {
            "jwt_secret": TEST_SECRET,
            "retry_base_delay": 0.05,
            "consumer_max_attempts": 3,
            "events_exchange": f"govhall.events.{run}",
            "dead_exchange": f"govhall.dead.{run}",
            "queue_prefix": f"{run}.",
        },
    )
    running.start()
    # The sweeps' start-up round acts on the real day; a test that then moves the clock must
    # not race it (a seasonal window closed behind the test's back, say).
    for name, worker in running.workers.items():
        assert worker.swept_once.wait(10), f"{name}'s first sweeps did not finish"
    yield running
    running.stop()
