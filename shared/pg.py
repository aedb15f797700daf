"""PostgreSQL connections that never wait forever, however the server fails.

A server that is down refuses or resets: psycopg fails at once. A server whose packets no longer
arrive (a dead host, a network partition, a firewall dropping) says nothing at all, and both
libpq and the kernel would wait: a query on an open connection until TCP gives up (15 minutes
and more), a new connection until ``connect_timeout``, if one is set. So, with the bounds of
`DatabaseTimeouts` (shared/config_bounds.py):

- ``connect_timeout`` bounds opening a connection; TCP keepalives and ``tcp_user_timeout`` let
  the kernel drop a connection whose peer stopped acknowledging (on a real network);
- `BoundedConnection` bounds every wait for the server's answer on an open connection (a ping
  more tightly than the rest): past it the connection is closed and the call fails with an
  `OperationalError`, which SQLAlchemy takes for a disconnect and the web tier answers with 503;
- ``statement_timeout``, ``lock_timeout`` and ``idle_in_transaction_session_timeout`` are the
  server's side, for a server that answers but slowly (they cannot help when nothing arrives);
- `Silence`: once one of these bounds expired, the database is taken as silent for the process:
  each use fails at once, except one at a time that tries it (a connect or a ping, itself
  bounded). The first answer ends it. So requests do not pile up waiting on a silent server
  while the web tier's threads run out.

The lean read path (shared/reads.py) pings nothing: its pool recycles connections instead, a
read admits itself to the `Silence` as a ping would (`bounded_read`), its answer is waited
``DB_READ_TIMEOUT`` at most, and its connections' server-side ``statement_timeout`` is cut
below that bound, so a slow read is cancelled by the server (an answer) before the client's
bound takes the database for silent.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import errors

from shared.config_bounds import DatabaseTimeouts

log = logging.getLogger(__name__)

_WAIT_INTERVAL = 0.1  # as psycopg's own: how often a wait wakes up (Ctrl-C, a closed socket)
READ_MARGIN = 0.5  # the server cancels a slow read this long before the client's bound
_WaitTimeout: type[Exception] = getattr(errors, "_WaitTimeout", errors.OperationalError)


class DatabaseSilent(psycopg.OperationalError):
    """The database did not answer within its bound, lately: not tried again just now."""


class Silence:
    """Whether this process's database kept silent past a bound, and who may try it next."""

    def __init__(self, probe_budget: float) -> None:
        self.probe_budget = probe_budget  # how long one try may take before another may start
        self.since: float | None = None
        self._probe_until = 0.0
        self._lock = threading.Lock()

    def admit(self) -> None:
        """Return to go on (the database answers, or this call is the one try); else raise."""
        if self.since is None:
            return
        with self._lock:
            now = time.monotonic()
            if self.since is not None and now < self._probe_until:
                raise DatabaseSilent(
                    f"the database has not answered for {now - self.since:.1f}s; "
                    "another request is trying it"
                )
            self._probe_until = now + self.probe_budget

    def timed_out(self, what: str, seconds: float) -> None:
        if self.since is None:
            log.warning("database silent: no answer to %s within %gs", what, seconds)
            self.since = time.monotonic()
        self._probe_until = 0.0  # the try is over: the next use may try again

    def answered(self) -> None:
        if self.since is not None:
            log.warning("database answers again after %.1fs", time.monotonic() - self.since)
            self.since = None
            self._probe_until = 0.0


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection that waits `reply_timeout` at most for an answer (None: forever)."""

    reply_timeout: float | None = None
    silence: Silence | None = None
    waiting_for = "a statement"  # what a timeout is reported as

    def wait(self, gen: Any, interval: float = _WAIT_INTERVAL, timeout: float | None = None) -> Any:
        if timeout is not None:  # psycopg's own bound (notifies(timeout=…)): its own handling
            return super().wait(gen, interval, timeout)
        limit = self.reply_timeout
        try:
            result = super().wait(gen, interval, limit)
        except _WaitTimeout:
            # Half a protocol exchange is in flight: the connection cannot be used again.
            self.pgconn.finish()
            if self.silence is not None:
                self.silence.timed_out(self.waiting_for, limit or 0)
            raise errors.ConnectionTimeout(
                f"the database sent no answer within {limit:g}s (DB_REPLY_TIMEOUT); "
                "connection closed"
            ) from None
        if self.silence is not None:
            self.silence.answered()
        return result

    @contextlib.contextmanager
    def bounded(self, seconds: float | None, waiting_for: str) -> Iterator[None]:
        before = self.reply_timeout, self.waiting_for
        self.reply_timeout, self.waiting_for = seconds, waiting_for
        try:
            yield
        finally:
            self.reply_timeout, self.waiting_for = before


def _seconds(value: float) -> float | None:
    return value if value > 0 else None


def connect_args(timeouts: DatabaseTimeouts, *, reads: bool = False) -> dict[str, Any]:
    """libpq parameters: the connect bound, keepalives, and the server's own timeouts (for the
    lean read path's connections, `reads`, a statement timeout below the read bound)."""
    args: dict[str, Any] = {
        "keepalives": 1,
        "keepalives_idle": max(int(timeouts.keepalives_idle), 1),
        "keepalives_interval": max(int(timeouts.keepalives_interval), 1),
        "keepalives_count": max(timeouts.keepalives_count, 1),
    }
    if timeouts.connect > 0:
        args["connect_timeout"] = max(round(timeouts.connect), 2)  # libpq: 2 s at least
    if timeouts.tcp_user_timeout > 0:
        args["tcp_user_timeout"] = int(timeouts.tcp_user_timeout * 1000)
    statement = timeouts.statement
    if reads and timeouts.read > 0:
        below = max(timeouts.read - READ_MARGIN, timeouts.read / 2)
        statement = min(statement, below) if statement > 0 else below
    server = {
        "statement_timeout": statement,
        "lock_timeout": timeouts.lock,
        "idle_in_transaction_session_timeout": timeouts.idle_in_transaction,
    }
    options = [
        f"-c {name}={int(seconds * 1000)}" for name, seconds in server.items() if seconds > 0
    ]
    if options:
        args["options"] = " ".join(options)
    return args


def install(engine: Any, timeouts: DatabaseTimeouts, silence: Silence | None = None) -> Silence:
    """Make `engine` (psycopg, synchronous) connect with `BoundedConnection` and ping boundedly.
    Engines of one database share their `silence` (the lean read path's and the main one)."""
    from sqlalchemy import event

    connect = max(timeouts.connect, 2) if timeouts.connect > 0 else 0
    if silence is None:
        probe = max(timeouts.ping, timeouts.read)
        silence = Silence(probe_budget=connect + probe + 1.0)
    reply = _seconds(timeouts.reply)
    ping = _seconds(timeouts.ping)

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        silence.admit()
        try:
            connection = BoundedConnection.connect(*cargs, **cparams)
        except errors.ConnectionTimeout:
            silence.timed_out("a new connection", connect)
            raise
        connection.reply_timeout = reply
        connection.silence = silence
        silence.answered()
        return connection

    def _ping(dbapi_connection: Any) -> bool:
        silence.admit()
        bounded = getattr(dbapi_connection, "bounded", None)
        with bounded(ping, "a ping") if bounded is not None else contextlib.nullcontext():
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(";")
            finally:
                cursor.close()
        return True

    engine.dialect.do_ping = _ping
    return silence


@contextlib.contextmanager
def bounded_read(dbapi_connection: Any, silence: Silence, seconds: float) -> Iterator[None]:
    """A lean read on a pooled connection nobody pinged: admitted to the `silence` as a ping
    would be (failing at once while another request tries a silent database), and its answer
    waited `seconds` at most (DB_READ_TIMEOUT), not DB_REPLY_TIMEOUT."""
    from sqlalchemy.exc import OperationalError

    try:
        silence.admit()
    except DatabaseSilent as exc:
        # Raised outside SQLAlchemy's execution: wrapped as it would wrap it, so the web tier's
        # mapping (OperationalError → 503) applies.
        raise OperationalError("a read", None, exc) from exc
    bounded = getattr(dbapi_connection, "bounded", None)
    if bounded is None:  # not a BoundedConnection (another driver): unbounded as before
        yield
        return
    with bounded(_seconds(seconds), "a read"):
        yield


def timed_out(error: BaseException | None) -> bool:
    """The database kept silent past a bound (or is taken as silent): trying again at once
    would only wait as long again."""
    return isinstance(error, errors.ConnectionTimeout | DatabaseSilent)
