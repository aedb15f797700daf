"""A unit of work rolls back unless its handler says it is done."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from services.registry import SPEC
from services.registry.adapters import tables
from services.registry.handlers import units as handlers
from shared import config, migrate
from shared.errors import Conflict
from shared.service import ServiceRuntime
from shared.sqltypes import utcnow
from tests.support import TEST_SECRET


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[ServiceRuntime]:
    settings = config.load(
        "registry",
        {"database_url": f"sqlite:///{tmp_path}/registry.db", "jwt_secret": TEST_SECRET},
    )
    rt = ServiceRuntime(SPEC, settings)
    migrate.upgrade(rt)
    yield rt
    rt.db.dispose()


def _count(rt: ServiceRuntime, table: str) -> int:
    with rt.db.session() as session:
        return int(
            session.execute(select(func.count()).select_from(rt.db.table(table))).scalar_one()
        )


def test_without_commit_nothing_is_written(registry: ServiceRuntime) -> None:
    with registry.uow(actor="test") as uow:
        uow.session.execute(
            insert(tables.units).values(code="x1", name="n", district="d", registered_at=utcnow())
        )
        uow.emit(
            "govhall.registry.unit.registered.v1",
            subject="x1",
            data={"code": "x1", "name": "n", "district": "d", "registered_at": utcnow()},
        )
    assert _count(registry, "units") == 0
    assert _count(registry, "outbox") == 0


def test_a_refused_write_leaves_no_event(registry: ServiceRuntime) -> None:
    handlers.register_unit(registry.uow(actor="test"), "tj-hexi", "Hexi", "河西区")
    with pytest.raises(Conflict):
        handlers.register_unit(registry.uow(actor="test"), "tj-hexi", "Hexi again", "河西区")
    assert _count(registry, "units") == 1
    assert _count(registry, "outbox") == 1


def test_events_carry_actor_and_correlation(registry: ServiceRuntime) -> None:
    uow = registry.uow(actor="authority:alice", correlation_id="req-42")
    handlers.register_unit(uow, "tj-nankai", "Nankai", "南开区")
    with registry.db.session() as session:
        body = session.execute(select(registry.db.table("outbox").c.body)).scalar_one()
    assert '"actor":"authority:alice"' in body
    assert '"correlationid":"req-42"' in body
    assert '"source":"/govhall/registry"' in body
