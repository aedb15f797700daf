"""Issue 19.5 on the real PostgreSQL: what one event's apply sends to the database. The inbox
takes an event in one statement (no savepoint around a failing insert) and, for events coming
one after another, on a connection it does not ping first; a connection that died in between is
still no lost event."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg import _connection_base
from sqlalchemy import create_engine, func, select, text

from shared import consumer
from shared.consumer import Outcome
from shared.service import ServiceRuntime
from tests.support import PG_ADMIN_URL, Namespace, unit_registered_body

pytestmark = pytest.mark.integration


class Sent:
    """What psycopg sends: each statement, each ping (`;`), each BEGIN/COMMIT/ROLLBACK."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements: list[str] = []
        self.counts: Counter[str] = Counter()
        execute = psycopg.Cursor.execute
        command = _connection_base.BaseConnection._exec_command

        def counted_execute(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            if query == ";":
                self.counts["pings"] += 1
            else:
                self.counts["statements"] += 1
                self.statements.append(str(query))
            return execute(cursor, query, *args, **kwargs)

        def counted_command(connection: Any, *args: Any, **kwargs: Any) -> Any:
            self.counts["transaction"] += 1
            return command(connection, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", counted_execute)
        monkeypatch.setattr(_connection_base.BaseConnection, "_exec_command", counted_command)

    def reset(self) -> None:
        self.statements.clear()
        self.counts.clear()

    @property
    def round_trips(self) -> int:
        return sum(self.counts.values())


def _body(code: str) -> str:
    return unit_registered_body(code, str(uuid.uuid4()))


def _count(rt: ServiceRuntime, table: str) -> int:
    with rt.db.session() as session:
        query = select(func.count()).select_from(rt.db.table(table))
        return int(session.execute(query).scalar_one())


def test_one_event_is_applied_in_seven_round_trips_and_a_duplicate_in_three(
    runtime: Callable[..., ServiceRuntime], monkeypatch: pytest.MonkeyPatch
) -> None:
    staffing = runtime("staffing")
    assert staffing.inbox.receive(_body("u01")) is Outcome.APPLIED  # a connection is made
    sent = Sent(monkeypatch)

    body = _body("u02")
    assert staffing.inbox.receive(body) is Outcome.APPLIED
    # Before: a ping, BEGIN, SAVEPOINT, the inbox row, RELEASE, the unit, the audit record's
    # three (lock, last record, insert) and COMMIT: 10. Now no ping and no savepoint.
    assert sent.counts["pings"] == 0
    assert not [s for s in sent.statements if "SAVEPOINT" in s.upper()]
    assert len([s for s in sent.statements if "processed_events" in s]) == 1
    assert sent.round_trips <= 7, sent.statements

    sent.reset()
    assert staffing.inbox.receive(body) is Outcome.DUPLICATE
    assert sent.round_trips == 3, sent.statements  # BEGIN, the inbox row found there, COMMIT
    assert _count(staffing, "units") == 2
    assert _count(staffing, "processed_events") == 2
    assert _count(staffing, "failed_events") == 0


def test_a_connection_that_died_since_its_last_use_loses_no_event(
    namespace: Namespace,
    runtime: Callable[..., ServiceRuntime],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(consumer, "TRUST_RECENT_SECONDS", 60.0)  # however slow this machine is
    staffing = runtime("staffing")
    assert staffing.inbox.receive(_body("u01")) is Outcome.APPLIED
    # The server ends the pooled connection between two events (a restart, a proxy, an admin);
    # the next event takes it without a ping, finds it dead, and is applied on a new one.
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            ended = conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
                {"db": namespace.database("staffing")},
            ).all()
    finally:
        admin.dispose()
    assert ended, "the pooled connection was found"

    body = _body("u02")
    with caplog.at_level(logging.INFO, logger="shared.consumer"):
        assert staffing.inbox.receive(body) is Outcome.APPLIED
    assert "had died since its last use" in caplog.text  # taken unpinged, then found dead
    assert staffing.inbox.receive(body) is Outcome.DUPLICATE
    assert _count(staffing, "units") == 2
    assert _count(staffing, "failed_events") == 0
