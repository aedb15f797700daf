"""The demo hall, once for the fuzz run, and each service's OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from services.hall.embedded import Hall
from shared.config import SERVICES
from tests import halls
from tests.fuzz.documents import openapi_document


@pytest.fixture(scope="session")
def demo_hall() -> Iterator[Hall]:
    """The demo hall (docs/demo.md): real units, windows, staff and cases to fuzz against."""
    with halls.demo_hall("fuzz") as running:
        yield running


@pytest.fixture(scope="session")
def openapi_documents() -> dict[str, dict[str, Any]]:
    return {name: openapi_document(name) for name in SERVICES}
