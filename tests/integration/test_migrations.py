"""Each service's migrations build exactly the tables its code declares, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shared.service import ServiceRuntime

SERVICES = ("registry", "staffing", "inspection", "notification")


@pytest.mark.parametrize("service", SERVICES)
def test_the_migrated_schema_matches_the_models(
    service: str, runtime: Callable[..., ServiceRuntime]
) -> None:
    rt = runtime(service)
    with rt.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        drift = compare_metadata(context, rt.spec.metadata)
    assert drift == [], f"{service}: write a migration for {drift}"
