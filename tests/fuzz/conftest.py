"""The demo hall, once for the fuzz run, and each service's OpenAPI document."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared import demo, embedded
from shared.config import SERVICES
from shared.embedded import Hall
from shared.testing import TEST_SECRET
from tests.fuzz.documents import openapi_document


@pytest.fixture(scope="session")
def demo_hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hall]:
    """The demo hall (shared/DEMO.md): real units, windows, staff and cases to fuzz against."""
    run = uuid.uuid4().hex[:8]
    settings = {
        "jwt_secret": TEST_SECRET,
        "events_exchange": f"govhall.events.{run}",
        "dead_exchange": f"govhall.dead.{run}",
        "queue_prefix": f"{run}.",
    }
    running = embedded.build(Path(tmp_path_factory.mktemp("fuzz")) / "var", settings)
    running.start()
    assert demo.load(running)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def openapi_documents() -> dict[str, dict[str, Any]]:
    return {name: openapi_document(name) for name in SERVICES}
