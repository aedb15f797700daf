"""One demo hall for the security tests: loading it takes most of their time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.hall.demo.client import DemoClient, settle
from services.hall.embedded import Hall
from tests import halls
from tests.security.matrix import Commits, Demo, gather


@pytest.fixture(scope="session")
def matrix_hall() -> Iterator[tuple[Hall, Demo]]:
    """The demo hall with what it lacks for the matrix; its workers stopped, so that nothing
    changes but what the requests change."""
    with halls.demo_hall("matrix") as hall:
        found = gather(DemoClient(hall))
        settle(hall)
        hall.stop()
        yield hall, found


@pytest.fixture(scope="session")
def commits(matrix_hall: tuple[Hall, Demo]) -> Iterator[Commits]:
    watching = Commits(matrix_hall[0])
    yield watching
    watching.close()
