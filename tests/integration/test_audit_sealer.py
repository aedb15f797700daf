"""The sealer on PostgreSQL: writes leave their audit records unchained, and the sealer chains
them in the order it finds them committed, a batch at a time, never skipping one that commits
late; a pending record edited or copied behind its back is not chained and verification names
it, and the runtime role cannot edit one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from services.registry.handlers import units
from shared import audit, audit_sealer, pg_commit
from shared.audit_changes import Changes
from shared.audit_verify import Verdict, verify_table
from shared.service import ServiceRuntime
from tests.integration.test_audit_postgres import _verify
from tests.support import Namespace

pytestmark = pytest.mark.integration


def _write(rt: ServiceRuntime, code: str) -> None:
    units.register_unit(rt.uow(actor=f"authority:{code}"), code, "Unit", "南开区")


def _chain(rt: ServiceRuntime) -> list[tuple[int, str]]:
    with rt.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, actor FROM audit_log ORDER BY id")).all()
    return [(row.id, row.actor.removeprefix("authority:")) for row in rows]


def _pending(rt: ServiceRuntime) -> int:
    with rt.db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(text("audit_pending"))).scalar())


def _verdict(rt: ServiceRuntime) -> Verdict:
    with rt.db.engine.connect() as conn:
        return verify_table(conn, rt.db.table("audit_log"), rt.keyring)


def test_writes_wait_unchained_and_are_sealed_in_order_a_batch_at_a_time(
    runtime: Callable[..., ServiceRuntime],
) -> None:
    rt = runtime("registry")
    for n in range(7):
        _write(rt, f"u{n}")
    assert _chain(rt) == [] and _pending(rt) == 7
    assert _verdict(rt).pending == 7 and _verdict(rt).intact

    assert audit_sealer.seal_once(rt.db, batch=3) == (3, 0)
    assert _chain(rt) == [(1, "u0"), (2, "u1"), (3, "u2")] and _pending(rt) == 4
    assert audit_sealer.seal_all(rt.db, batch=3) == 4
    assert _chain(rt) == [(n + 1, f"u{n}") for n in range(7)] and _pending(rt) == 0
    verdict = _verdict(rt)
    assert verdict.intact and verdict.records == 7 and verdict.pending == 0
    assert audit_sealer.seal_once(rt.db) == (0, 0)  # nothing left: nothing written
    rt.db.dispose()


def test_a_record_committed_late_is_sealed_next_round_never_skipped(
    runtime: Callable[..., ServiceRuntime],
) -> None:
    rt = runtime("registry")
    item = audit.entry("POST /api/v1/units", "/api/v1/units", "authority:slow", Changes())
    with rt.db.session() as slow:
        # Its pending id comes first, its commit after another write's.
        audit.add_pending(slow, rt.db.table("audit_pending"), item, rt.keyring)
        slow.flush()
        _write(rt, "fast")
        assert audit_sealer.seal_all(rt.db) == 1
        slow.commit()
    assert audit_sealer.seal_all(rt.db) == 1
    assert _chain(rt) == [(1, "fast"), (2, "slow")]
    assert _verdict(rt).intact and _verdict(rt).records == 2
    rt.db.dispose()


def test_a_pending_record_edited_or_copied_is_not_sealed_and_verification_names_it(
    runtime: Callable[..., ServiceRuntime], namespace: Namespace
) -> None:
    rt = runtime("registry")
    for n in range(3):
        _write(rt, f"a{n}")
    audit_sealer.seal_all(rt.db)
    _write(rt, "b0")
    _write(rt, "b1")
    # The database's owner, without AUDIT_KEY, rewrites who made the first pending record, and
    # puts back a copy of a record the sealer already chained (its pending row as it was).
    owner = create_engine(namespace.migrate_database_url("registry"))
    with owner.begin() as conn:
        first = conn.execute(text("SELECT min(id) FROM audit_pending")).scalar()
        conn.execute(
            text("UPDATE audit_pending SET actor = 'authority:someone-else' WHERE id = :id"),
            {"id": first},
        )
    owner.dispose()
    assert audit_sealer.seal_all(rt.db) == 1  # b1; the edited one stays
    assert _chain(rt)[-1] == (4, "b1")
    verdict = _verdict(rt)
    assert not verdict.intact and verdict.broken_at is None  # the chain itself holds
    assert (verdict.pending, verdict.pending_broken_at) == (1, first)
    assert verdict.pending_reason == "its content does not match its MAC"
    rt.db.dispose()
    verified = _verify(namespace, "registry")  # as an operator runs it
    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert (
        f"broken at pending record {first} (not yet chained): its content does not match its MAC"
        in verified.stdout
    )


def test_a_copy_of_a_sealed_record_put_back_is_not_chained_twice(
    runtime: Callable[..., ServiceRuntime], namespace: Namespace
) -> None:
    rt = runtime("registry")
    _write(rt, "once")
    owner = create_engine(namespace.migrate_database_url("registry"))
    with owner.connect() as conn:
        kept = conn.execute(text("SELECT * FROM audit_pending")).mappings().one()
    audit_sealer.seal_all(rt.db)
    with owner.begin() as conn:
        columns = ", ".join(kept)
        conn.execute(
            text(f"INSERT INTO audit_pending ({columns}) VALUES (:{', :'.join(kept)})"), dict(kept)
        )
    owner.dispose()
    assert audit_sealer.seal_once(rt.db) == (0, 1)
    assert _chain(rt) == [(1, "once")]
    verdict = _verdict(rt)
    assert verdict.pending_broken_at == kept["id"]
    assert verdict.pending_reason == "it is a copy of a record already chained"
    rt.db.dispose()


def test_the_runtime_role_cannot_edit_a_pending_record(
    runtime: Callable[..., ServiceRuntime],
) -> None:
    rt = runtime("registry")
    _write(rt, "x1")
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        rt.db.engine.begin() as conn,
    ):
        conn.execute(text("UPDATE audit_pending SET actor = 'nobody'"))
    rt.db.dispose()


def test_audit_chain_inline_chains_in_the_write_as_before(
    runtime: Callable[..., ServiceRuntime],
) -> None:
    rt = runtime("registry", audit_chain_inline=True)
    _write(rt, "inline")
    assert _chain(rt) == [(1, "inline")] and _pending(rt) == 0
    assert not audit_sealer.sealing(rt.db)
    rt.db.dispose()


def test_a_write_refused_in_its_pipelined_commit_leaves_nothing_and_says_why(
    runtime: Callable[..., ServiceRuntime],
) -> None:
    """The record, the NOTIFY and the COMMIT go in one round trip (shared/pg_commit.py): a
    refusal there is SQLAlchemy's IntegrityError as anywhere else, and nothing is kept."""
    rt = runtime("registry")
    _write(rt, "first")
    with rt.db.engine.connect() as conn:
        taken = conn.execute(text("SELECT nonce FROM audit_pending")).scalar()
    item = audit.entry("POST /api/v1/units", "/api/v1/units", "authority:again", Changes())
    row = {**audit.pending_row(item, rt.keyring), "nonce": taken}
    with rt.db.session() as session:
        session.execute(text("INSERT INTO units (code, name, district, registered_at)"
                             " VALUES ('again', 'U', 'd', now())"))  # fmt: skip
        with pytest.raises(IntegrityError, match="audit_pending_nonce_key"):
            pg_commit.commit(session, row, notify=True)
        session.rollback()
    with rt.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM units WHERE code = 'again'")).scalar() == 0
    assert _pending(rt) == 1
    rt.db.dispose()
