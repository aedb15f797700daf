"""Test halls start from copies of schemas migrated once a run (tests/halls.py `schemas`): the
copy must be the migrated schema, of the hall's own, and stop as fast as a hall should."""

from __future__ import annotations

import time
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from services.hall.embedded import Hall
from shared import migrate
from tests import halls


def test_a_hall_built_on_copies_is_at_head_with_no_drift(hall: Hall) -> None:
    for name in hall.apps:
        rt = hall.runtime(name)
        head = ScriptDirectory.from_config(migrate.alembic_config(rt)).get_current_head()
        with rt.db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert context.get_current_revision() == head
            assert compare_metadata(context, rt.spec.metadata) == [], name


def test_each_hall_writes_to_its_own_copy(tmp_path: Path) -> None:
    first = halls.build(tmp_path / "a", halls.own_settings())
    second = halls.build(tmp_path / "b", halls.own_settings())
    for name in first.apps:
        copy = Path(first.runtime(name).db.engine.url.database or "")
        assert copy.parent == (tmp_path / "a").resolve() and copy != halls.schemas()[name]
    with first.runtime("registry").db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE only_here (x INTEGER)")
    later = halls.build(tmp_path / "c", halls.own_settings())  # a copy made after the write
    for other in (second, later):
        with other.runtime("registry").db.engine.connect() as connection:
            tables = connection.exec_driver_sql("SELECT name FROM sqlite_master").scalars().all()
        assert "only_here" not in tables
    for running in (first, second, later):
        for name in running.apps:
            running.runtime(name).db.dispose()


def test_the_in_memory_consumers_stop_at_once(tmp_path: Path) -> None:
    # kombu's consumer looks whether to stop once a second (each of the four at its own moment
    # of that second); every test hall would wait for the last of them.
    for attempt in ("a", "b"):
        running = halls.build(tmp_path / attempt, halls.own_settings())
        running.start()
        started = time.monotonic()
        running.stop()
        assert time.monotonic() - started < 0.5
        for name in running.apps:
            running.runtime(name).db.dispose()
