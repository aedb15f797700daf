"""Fixtures every test folder uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.hall.embedded import Hall
from tests.halls import build, own_settings


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Hall]:
    """The embedded system in this process: SQLite files, in-memory broker, worker threads."""
    # The in-memory broker is one per process: each test gets its own exchange and queues.
    # Its schemas are copies of files migrated once a run (tests/halls.py `schemas`).
    running = build(tmp_path / "var", own_settings(retry_base_delay=0.05, consumer_max_attempts=3))
    running.start()
    # The sweeps' start-up round acts on the real day; a test that then moves the clock must
    # not race it (a seasonal window closed behind the test's back, say).
    for name, worker in running.workers.items():
        assert worker.swept_once.wait(10), f"{name}'s first sweeps did not finish"
    yield running
    running.stop()


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist's, for runs with `-n`
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Load balancing that keeps the tests sharing set-up on one worker (tests/scheduling.py)."""
    if config.getvalue("dist") not in ("load", "loadscope", "loadgroup"):
        return None
    from tests.scheduling import SharedSetUpScheduling

    return SharedSetUpScheduling(config, log)
