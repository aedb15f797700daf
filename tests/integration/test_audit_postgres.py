"""The audit trail on PostgreSQL: writers at the same moment still make one unbroken chain, the
table refuses edits, and `govhall audit verify` finds one made behind its back."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from services.registry.handlers import units
from shared.audit import verify_table
from shared.service import ServiceRuntime
from shared.testing import Namespace

pytestmark = pytest.mark.integration
WRITERS, EACH = 4, 10


def test_concurrent_writers_chain_one_after_the_other_and_tampering_is_found(
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

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []

    table = rt.db.table("audit_log")
    with rt.db.engine.connect() as conn:
        verdict = verify_table(conn, table, batch=7)  # several batches
        actors = {row.actor for row in conn.execute(text("SELECT actor FROM audit_log"))}
    assert verdict.intact and verdict.records == WRITERS * EACH
    assert actors == {f"authority:writer-{w}" for w in range(WRITERS)}

    with pytest.raises(DatabaseError, match="append-only"), rt.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'nobody' WHERE id = 5"))
    with pytest.raises(DatabaseError, match="append-only"), rt.db.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))

    # The owner can switch the guard off; the chain still tells.
    with rt.db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE audit_log SET actor = 'authority:someone-else' WHERE id = 17"))
    rt.db.dispose()
    env = {**os.environ, "DATABASE_URL": namespace.database_url("registry")}
    verified = subprocess.run(
        [sys.executable, "-m", "shared.cli", "audit", "verify", "registry"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert "broken at record 17: its content does not match its hash" in verified.stdout
