"""The audit trail on PostgreSQL: writers at the same moment, with the sealer chaining what they
leave while they write, still make one unbroken chain of exactly their records; the
service's own login (the runtime role) can neither edit the table nor switch its guard off; and
what the owner can still do behind it, rewrite a record or delete the last ones, is found by
`govhall audit verify` (the MAC it cannot recompute without AUDIT_KEY, the checkpoints kept in
notification's database)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import MetaData, create_engine, func, select, text
from sqlalchemy.exc import DatabaseError

from services.registry.handlers import units
from shared import audit, audit_changes, audit_sealer, audit_table
from shared.audit_verify import verify_table
from shared.service import ServiceRuntime, WorkerThreads
from tests.support import TEST_AUDIT_KEY, Namespace, wait_for

pytestmark = pytest.mark.integration
WRITERS, EACH = 8, 10


def _verify(namespace: Namespace, service: str) -> subprocess.CompletedProcess[str]:
    """`govhall audit verify` as an operator runs it: the hall's settings, the runtime logins."""
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": namespace.database_url("registry"),
        "NOTIFICATION_DATABASE_URL": namespace.database_url("notification"),
        "AUDIT_KEY": TEST_AUDIT_KEY,
    }
    return subprocess.run(
        [sys.executable, "-m", "services.hall.cli", "audit", "verify", service],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _register(rt: ServiceRuntime, prefix: str, count: int) -> None:
    """`count` writes, their records chained as the worker's sealer would (here, at once)."""
    for n in range(count):
        units.register_unit(rt.uow(actor="authority:test"), f"{prefix}-{n}", "Unit", "南开区")
    audit_sealer.seal_all(rt.db)


def test_concurrent_writers_chain_one_after_the_other_and_the_runtime_role_cannot_edit(
    runtime: Callable[..., ServiceRuntime], namespace: Namespace
) -> None:
    rt = runtime("registry")
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        start.wait()
        for n in range(EACH):
            try:
                units.register_unit(
                    rt.uow(actor=f"authority:writer-{writer}"), f"w{writer}-{n}", "Unit", "南开区"
                )
            except BaseException as exc:
                failures.append(exc)

    stop = threading.Event()
    sealer = audit_sealer.Sealer(rt.db, poll_interval=0.01)  # seals while they write
    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    threads.append(threading.Thread(target=sealer.run_forever, args=(stop,)))
    for thread in threads:
        thread.start()
    for thread in threads[:-1]:
        thread.join(60)
    stop.set()
    threads[-1].join(10)
    assert failures == []
    audit_sealer.seal_all(rt.db)  # what the last writes left

    table = rt.db.table("audit_log")
    with rt.db.engine.connect() as conn:
        verdict = verify_table(conn, table, rt.keyring, batch=7)  # several batches
        actors = {row.actor for row in conn.execute(text("SELECT actor FROM audit_log"))}
        key_ids = {row.key_id for row in conn.execute(text("SELECT key_id FROM audit_log"))}
        user = conn.execute(text("SELECT current_user")).scalar()
    assert verdict.intact and verdict.records == WRITERS * EACH and verdict.pending == 0
    assert actors == {f"authority:writer-{w}" for w in range(WRITERS)}
    assert key_ids == {audit.key_id(TEST_AUDIT_KEY)}
    assert user == namespace.runtime_role  # the service runs as a role that owns nothing

    # The service's own login: no edit, and no switching the guard off.
    for statement in (
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "UPDATE audit_log SET actor = 'nobody' WHERE id = 5",
        "DELETE FROM audit_log WHERE id = 40",
        "TRUNCATE audit_log",
    ):
        with (
            pytest.raises(DatabaseError, match=r"must be owner|permission denied"),
            rt.db.engine.begin() as conn,
        ):
            conn.execute(text(statement))
    # The owner meets the trigger.
    owner = create_engine(namespace.migrate_database_url("registry"))
    with pytest.raises(DatabaseError, match="append-only"), owner.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'nobody' WHERE id = 5"))
    owner.dispose()
    rt.db.dispose()


def test_a_record_rewritten_with_a_recomputed_plain_hash_is_found(
    runtime: Callable[..., ServiceRuntime], namespace: Namespace
) -> None:
    rt = runtime("registry")
    _register(rt, "u", 6)
    rt.db.dispose()
    # The owner, who holds no AUDIT_KEY, switches the guard off and rewrites record 3 with its
    # plain SHA-256 recomputed (and every later link), as today's chain would have let them.
    owner = create_engine(namespace.migrate_database_url("registry"))
    table = rt.db.table("audit_log")
    with owner.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        rows = conn.execute(select(table).order_by(table.c.id)).all()
        prev = rows[2].prev_hash
        for row in rows[2:]:
            item = audit.Entry(
                **{name: getattr(row, name) for name in audit.Entry.__dataclass_fields__}
            )
            if row.id == 3:
                item = audit.Entry(**{**vars(item), "actor": "authority:someone-else"})
            digest = audit.digest(row.id, item, prev)
            conn.execute(
                table.update()
                .where(table.c.id == row.id)
                .values(actor=item.actor, prev_hash=prev, hash=digest)
            )
            prev = digest
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    owner.dispose()
    verified = _verify(namespace, "registry")
    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert "broken at record 3: its content does not match its MAC" in verified.stdout


def test_the_last_records_deleted_are_found_through_the_checkpoints(
    runtime: Callable[..., ServiceRuntime], namespace: Namespace
) -> None:
    notification = runtime("notification")
    registry = runtime("registry", audit_checkpoint_interval=3600.0)
    kept = notification.db.table("audit_checkpoints")

    def checkpoints() -> list[tuple[int, int]]:
        with notification.db.engine.connect() as conn:
            query = select(kept.c.records, kept.c.last_id).where(kept.c.service == "registry")
            return [tuple(row) for row in conn.execute(query.order_by(kept.c.id))]

    listener = WorkerThreads(notification, relay=False)
    listener.start()
    try:
        assert listener.wait_ready()
        _register(registry, "a", 5)
        worker = WorkerThreads(registry, consume=False)
        worker.start()
        try:
            wait_for(lambda: checkpoints() == [(5, 5)], timeout=20)
            _register(registry, "b", 4)  # after the periodic checkpoint…
        finally:
            worker.shutdown()  # …anchored by the one published on the way out
        wait_for(lambda: checkpoints() == [(5, 5), (9, 9)], timeout=20)
    finally:
        listener.shutdown()
    registry.db.dispose()
    notification.db.dispose()

    intact = _verify(namespace, "registry")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "intact (9 records, 2 checkpoints agree)" in intact.stdout

    # The owner deletes the last three records behind the trigger: the chain that is left is
    # whole, only the checkpoint kept in notification's database tells.
    owner = create_engine(namespace.migrate_database_url("registry"))
    with owner.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(text("DELETE FROM audit_log WHERE id > 6"))
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        assert conn.execute(select(func.count()).select_from(text("audit_log"))).scalar() == 6
    owner.dispose()
    verified = _verify(namespace, "registry")
    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert "broken at record 7: records 7 to 9 are missing" in verified.stdout


def test_govhall_migrate_runs_as_the_owner_and_grants_the_runtime_role_no_more(
    namespace: Namespace,
) -> None:
    env = {**os.environ, **namespace.environment("registry")}
    migrated = subprocess.run(
        [sys.executable, "-m", "services.hall.cli", "migrate", "registry"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert f"registry: migrated (runtime role {namespace.runtime_role} granted)" in migrated.stdout

    engine = create_engine(namespace.database_url("registry"))
    with engine.connect() as conn:
        owners = {
            row.tableowner
            for row in conn.execute(
                text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")
            )
        }
        rights = {
            (table, right): conn.execute(
                text("SELECT has_table_privilege(current_user, :table, :right)"),
                {"table": table, "right": right},
            ).scalar()
            for table in ("audit_log", "units", "outbox")
            for right in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER")
        }
    engine.dispose()
    assert owners == {namespace.owner_role}
    assert {right for (table, right), held in rights.items() if table == "audit_log" and held} == {
        "SELECT",
        "INSERT",
    }
    for table in ("units", "outbox"):
        assert {right for (name, right), held in rights.items() if name == table and held} == {
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
        }


def test_records_from_before_the_key_stay_the_verified_prefix_of_the_keyed_chain(
    namespace: Namespace,
) -> None:
    """An upgraded hall: the records chained with plain SHA-256 before the key_id migration
    verify as they are, and the keyed records after them link to the last of them."""
    from services.hall import embedded
    from shared import config, migrate

    spec = embedded.service_module("registry").SPEC
    settings = config.load("registry", namespace.settings("registry"))
    owner = ServiceRuntime(spec, settings.with_(database_url=settings.migrate_database_url))
    migrate.upgrade(owner, "reg0009")  # before the key
    legacy = audit_table.add_audit_table(MetaData())
    prev = audit.GENESIS
    with owner.db.engine.begin() as conn:
        for n in range(1, 4):
            item = audit.entry(
                "POST /api/v1/units", "/api/v1/units", "authority:old", audit_changes.Changes()
            )
            values = {**vars(item), "prev_hash": prev, "hash": audit.digest(n, item, prev)}
            conn.execute(legacy.insert().values(id=n, **values))
            prev = values["hash"]
    migrate.upgrade(owner, runtime_role=namespace.runtime_role)
    owner.db.dispose()

    rt = ServiceRuntime(spec, settings)
    _register(rt, "new", 2)
    with rt.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, key_id FROM audit_log ORDER BY id")).all()
        verdict = verify_table(conn, rt.db.table("audit_log"), rt.keyring)
    rt.db.dispose()
    kid = audit.key_id(TEST_AUDIT_KEY)
    assert [tuple(row) for row in rows] == [(1, None), (2, None), (3, None), (4, kid), (5, kid)]
    assert verdict.intact and verdict.records == 5
