"""`govhall up` on a fresh var directory starts from copies of schemas migrated once per version
of the code (services/hall/schema_cache.py); a var directory with data is migrated, never
replaced."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from services.hall import embedded, schema_cache
from shared import migrate
from tests import halls


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "govhall" / "schemas"


def test_a_fresh_var_directory_gets_migrated_copies_made_once(cache: Path, tmp_path: Path) -> None:
    made: list[Path] = []

    def migrating(folder: Path) -> None:
        made.append(folder)
        embedded.migrated(folder)

    first = schema_cache.templates(migrating)
    again = schema_cache.templates(migrating)
    assert first is not None and again == first and len(made) == 1
    assert sorted(p.name for p in (cache / schema_cache.fingerprint()).iterdir()) == sorted(
        f"{name}.db" for name in first
    )  # the files alone: no key of the folder they were migrated in

    hall = embedded.build(tmp_path / "var", halls.own_settings(), schemas=first)
    try:
        for name in hall.apps:
            rt = hall.runtime(name)
            head = ScriptDirectory.from_config(migrate.alembic_config(rt)).get_current_head()
            with rt.db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                assert context.get_current_revision() == head
                assert compare_metadata(context, rt.spec.metadata) == [], name
    finally:
        for name in hall.apps:
            hall.runtime(name).db.dispose()


def test_only_an_empty_var_directory_is_fresh(tmp_path: Path) -> None:
    assert schema_cache.is_fresh(tmp_path)
    (tmp_path / "staffing.db").write_bytes(b"")
    assert not schema_cache.is_fresh(tmp_path)


def test_a_changed_migration_makes_new_copies(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    shutil.copytree(schema_cache.ROOT / "shared", root / "shared")
    for name in ("registry", "staffing", "inspection", "notification"):
        source = schema_cache.ROOT / "services" / name / "migrations"
        shutil.copytree(source, root / "services" / name / "migrations")
    before = schema_cache.fingerprint(root)
    assert before == schema_cache.fingerprint(schema_cache.ROOT)
    script = next((root / "services" / "staffing" / "migrations" / "versions").glob("*.py"))
    script.write_text(script.read_text() + "\n# changed\n")
    assert schema_cache.fingerprint(root) != before


def test_without_a_writable_cache_the_var_directory_is_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert schema_cache.templates(embedded.migrated) is None
