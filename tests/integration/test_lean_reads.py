"""The lean read path (shared/reads.py, issue 19.1) on the real PostgreSQL: what goes on the
wire for one read, a connection dropped under the pool, and a database known to be silent."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg import pq
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from services.registry.handlers import units
from shared.service import ServiceRuntime
from tests.support import PG_ADMIN_URL

pytestmark = pytest.mark.integration


class Wire:
    """libpq's own trace of the protocol messages of the engines' connections while checked
    out (a ping, which comes before the checkout, included): one ReadyForQuery a round trip."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.touch()
        self._seen = 0

    def watch(self, engine: Any) -> None:
        ping = engine.dialect.do_ping

        def traced_ping(dbapi_connection: Any) -> bool:
            self._trace(dbapi_connection)
            return bool(ping(dbapi_connection))

        engine.dialect.do_ping = traced_ping
        event.listen(engine, "checkout", lambda dbapi, _record, _proxy: self._trace(dbapi))
        event.listen(engine, "checkin", lambda dbapi, _record: dbapi and dbapi.pgconn.untrace())

    def _trace(self, dbapi_connection: Any) -> None:
        # Tracing twice replaces the stream; untrace (at checkin) flushes it.
        with self.path.open("ab") as log:  # O_APPEND, shared by the duplicate
            dbapi_connection.pgconn.trace(os.dup(log.fileno()))
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def exchanges(self) -> list[list[str]]:
        """The round trips since the last call, each as the messages the client sent in it."""
        lines = self.path.read_text().splitlines()[self._seen :]
        self._seen += len(lines)
        exchanges: list[list[str]] = []
        sent: list[str] = []
        for line in lines:
            if line.startswith("F\t"):
                sent.append(line)
            elif "\tReadyForQuery\t" in line:
                exchanges.append(sent)
                sent = []
        return exchanges


@pytest.fixture
def registry(runtime: Callable[..., ServiceRuntime]) -> Iterator[ServiceRuntime]:
    rt = runtime("registry")
    units.register_unit(rt.uow(actor="authority:test"), "lean-1", "Lean unit", "河西区")
    try:
        yield rt
    finally:
        rt.db.dispose()


def test_a_lean_read_is_one_round_trip_where_a_unit_of_work_took_four(
    registry: ServiceRuntime, tmp_path: Path
) -> None:
    wire = Wire(tmp_path / "wire.log")
    wire.watch(registry.db.engine)
    wire.watch(registry.db.read_engine)
    # Warm both pools: a new connection's first use (its handshake, the dialect's look at the
    # server) is not what a request pays.
    with registry.uow(actor="authority:test") as uow:
        assert units.exists(uow, "lean-1")
    assert units.get_unit(registry.reads, "lean-1")["name"] == "Lean unit"
    wire.exchanges()

    with registry.uow(actor="authority:test") as uow:  # the read path before issue 19.1
        assert units.exists(uow, "lean-1")
    through_unit_of_work = wire.exchanges()
    assert units.get_unit(registry.reads, "lean-1")["name"] == "Lean unit"
    lean = wire.exchanges()

    assert [_first_word(sent) for sent in through_unit_of_work] == [
        "BEGIN",  # psycopg opens the transaction for the pool's ping, which comes next
        ";",
        "SELECT",
        "ROLLBACK",
    ], through_unit_of_work
    assert [_first_word(sent) for sent in lean] == ["SELECT"], lean


def _first_word(sent: list[str]) -> str:
    """The statement of one round trip: a simple Query's text, or the SQL a Parse prepares."""
    quoted = [part for line in sent for part in line.split('"')[1::2] if part.strip()]
    return quoted[0].split()[0] if quoted else "?"


def test_a_dropped_connection_is_read_again_once_on_a_new_one(
    registry: ServiceRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    def backend(conn: Any) -> int:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar())

    before = registry.reads.run(backend)  # now pooled, and nothing pings it before a read
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
    finally:
        admin.dispose()

    with caplog.at_level("INFO", logger="shared.reads"):
        assert units.get_unit(registry.reads, "lean-1")["code"] == "lean-1"
    assert "reading once more" in caplog.text
    assert registry.reads.run(backend) != before


def test_a_read_of_a_database_known_silent_fails_at_once_as_unavailable(
    registry: ServiceRuntime,
) -> None:
    assert units.get_unit(registry.reads, "lean-1")  # a pooled connection, not pinged
    silence = registry.db._silence
    silence.since = 0.0  # silent since long ago, and another request is trying it just now
    silence._probe_until = float("inf")
    try:
        # The web tier answers sqlalchemy's OperationalError with 503 (shared/problems.py).
        with pytest.raises(OperationalError, match="another request is trying it"):
            units.get_unit(registry.reads, "lean-1")
    finally:
        silence.answered()
    assert units.get_unit(registry.reads, "lean-1")["code"] == "lean-1"
