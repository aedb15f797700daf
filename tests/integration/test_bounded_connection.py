"""`BoundedConnection` against the real PostgreSQL: no answer within the bound, a closed
connection and an OperationalError, not a wait; psycopg's own timeouts are left alone."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy.engine import make_url

from shared import pg
from shared.config_bounds import DatabaseTimeouts
from tests.integration.conftest import require_servers
from tests.support import PG_ADMIN_URL

pytestmark = pytest.mark.integration


def _connect(timeouts: DatabaseTimeouts) -> pg.BoundedConnection:
    require_servers()
    url = make_url(PG_ADMIN_URL)
    conninfo = psycopg.conninfo.make_conninfo(
        host=url.host, port=url.port, user=url.username, dbname=url.database
    )
    return pg.BoundedConnection.connect(conninfo, **pg.connect_args(timeouts))


def test_a_reply_that_does_not_come_in_time_closes_the_connection() -> None:
    conn = _connect(DatabaseTimeouts(statement=0))
    conn.reply_timeout = 0.5
    conn.silence = silence = pg.Silence(probe_budget=5)
    began = time.monotonic()
    with pytest.raises(psycopg.OperationalError, match="DB_REPLY_TIMEOUT"):
        conn.execute("SELECT pg_sleep(3)")
    assert time.monotonic() - began < 1.5
    assert conn.closed and conn.broken  # never handed out again
    assert silence.since is not None


def test_the_server_side_timeouts_reach_the_session() -> None:
    with _connect(DatabaseTimeouts(statement=4, lock=2)) as conn:
        conn.reply_timeout = 10
        assert conn.execute("SHOW statement_timeout").fetchone() == ("4s",)
        assert conn.execute("SHOW lock_timeout").fetchone() == ("2s",)
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SET statement_timeout = 200; SELECT pg_sleep(2)")
        conn.rollback()
        # psycopg's own bounded waits (notifies with a timeout) keep their own handling.
        conn.autocommit = True
        assert list(conn.notifies(timeout=0.2)) == []
        assert not conn.closed
