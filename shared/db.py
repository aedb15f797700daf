"""Database access: one lazily created engine per process, one unit of work per request or message.

Engines are never built at import time and are rebuilt after a fork (gunicorn), so no connection
is ever shared between processes. On PostgreSQL a second engine serves the lean read path
(`reading`, used through shared/reads.py): autocommit, no ping, connections recycled instead.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event, insert, text
from sqlalchemy.orm import Session, sessionmaker

from shared import audit_changes
from shared.config_bounds import DatabaseTimeouts
from shared.sqltypes import UTCDateTime, utcnow

# UTCDateTime and utcnow live in shared/sqltypes.py; they stay importable from here because
# migrations already applied name `shared.db.UTCDateTime`, and a migration is never rewritten.
__all__ = ["Database", "UTCDateTime", "insert_new", "insert_returning_id", "upsert", "utcnow"]

# How old a lean-read connection may get before the pool replaces it at checkout. Nothing pings
# it: a connection a firewall or the server dropped while idle is found by the read itself (and
# retried once, shared/reads.py); recycling keeps such ones rare.
READ_POOL_RECYCLE = 300.0
# The execution option that marks a connection that only reads (a lean read, `read_session`,
# the ping): on SQLite no BEGIN IMMEDIATE for it.
LEAN_READ = "govhall_lean_read"


def _sqlite_pragmas(engine: Engine) -> None:
    # Web threads, the relay and the consumer all write to one file in the embedded mode. WAL lets
    # readers go on during a write; BEGIN IMMEDIATE takes the write lock up front so two
    # transactions never deadlock upgrading a read lock (SQLite would fail one at once).
    # synchronous=NORMAL: in WAL mode a commit no longer waits for an fsync (only checkpoints
    # do), so the write lock is held for microseconds, not milliseconds. A crash of govhall loses
    # nothing; a power cut or OS crash can lose the last commits, never corrupt the file. SQLite
    # is the embedded, single-machine mode (docs/embedded.md); production runs on PostgreSQL.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(LEAN_READ):
            # Only reads (a lean read, `read_session`, the ping): in WAL mode a reader neither
            # waits for the write lock nor holds it, so a poll never queues behind, or ahead of,
            # a writer.
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def insert_returning_id(session: Session, table: Table, values: dict[str, Any]) -> int:
    """Insert one row and return its generated integer key."""
    # The row as parameters, not `.values()`: one statement per table, compiled once.
    result: Any = session.execute(insert(table), values)
    return int(result.inserted_primary_key[0])


def insert_new(session: Session, table: Table, keys: Sequence[str], values: dict[str, Any]) -> bool:
    """Insert a row unless one with the same keys is there; True when this call inserted it.
    One statement (`ON CONFLICT DO NOTHING RETURNING`): no savepoint around a failing insert."""
    statement = _on_conflict(session.get_bind().dialect.name, table, tuple(keys), None)
    return session.execute(statement, values).first() is not None


def upsert(session: Session, table: Table, keys: Sequence[str], values: dict[str, Any]) -> None:
    """Insert a row or update the one with the same keys, atomically (for local copies)."""
    dialect = session.get_bind().dialect.name
    session.execute(_on_conflict(dialect, table, tuple(keys), tuple(values)), values)


@functools.lru_cache(maxsize=512)
def _on_conflict(
    dialect: str, table: Table, keys: tuple[str, ...], updated: tuple[str, ...] | None
) -> Any:
    """INSERT … ON CONFLICT (`keys`): DO NOTHING RETURNING the first key when `updated` is None,
    else DO UPDATE those columns from `excluded` (the row offered). Built once per table and
    columns, the row passed as parameters: building it cost more than running it (building
    `excluded` made fresh column objects on every call, a tenth of a consumer's CPU)."""
    insert_: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as insert_
    else:  # pragma: no cover - the two databases govhall runs on
        raise NotImplementedError(f"no upsert on {dialect}")
    statement = insert_(table)
    if updated is None:
        ignored = statement.on_conflict_do_nothing(index_elements=list(keys))
        return ignored.returning(table.c[keys[0]])
    changes = {name: statement.excluded[name] for name in updated if name not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=changes)


@dataclass
class RecentTrust:
    """While set (`Database.trusting_recent`), a connection handed back to the pool less than
    `within` seconds ago is taken without a ping; `skipped` says whether one was."""

    within: float
    skipped: bool = False


_trust: ContextVar[RecentTrust | None] = ContextVar("govhall_recent_trust", default=None)


def _ping_unless_recent(engine: Engine, silent: Callable[[], bool]) -> None:
    """The pool pings a connection before each use (it may have died idle). Where the caller
    trusts it (`Database.trusting_recent`), one that answered a moment ago is not pinged again:
    a round trip less per unit of work for a consumer taking events one after another."""
    ping = engine.dialect.do_ping

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, _record: Any) -> None:
        # On the psycopg connection itself: the ping is handed nothing else.
        with contextlib.suppress(AttributeError):  # a driver's connection without a __dict__
            dbapi_connection.govhall_returned_at = time.monotonic()

    def do_ping(dbapi_connection: Any) -> bool:
        trust = _trust.get()
        returned = getattr(dbapi_connection, "govhall_returned_at", None)
        within = trust.within if trust is not None else 0.0
        fresh = returned is not None and time.monotonic() - returned < within
        if trust is not None and fresh and not silent():
            trust.skipped = True
            return True
        return bool(ping(dbapi_connection))

    engine.dialect.do_ping = do_ping  # type: ignore[method-assign]


class Database:
    """A service's database, reachable from any thread of any process that owns this object."""

    def __init__(
        self,
        url: str,
        metadata: MetaData,
        timeouts: DatabaseTimeouts | None = None,
        audit_keyring: Any = None,
        audit_inline: bool = False,
    ) -> None:
        self.url = url
        self.metadata = metadata
        self.timeouts = timeouts or DatabaseTimeouts()
        self.audit_keyring = audit_keyring  # shared.audit.Keyring: what chains the audit trail
        # Units of work chain their audit record themselves, under the chain's lock, instead of
        # leaving it to the sealer (AUDIT_CHAIN_INLINE; always so on SQLite).
        self.audit_inline = audit_inline
        self._pid: int | None = None
        self._engine: Engine | None = None
        self._read_engine: Engine | None = None
        self._silence: Any = None  # shared.pg.Silence of both engines, on PostgreSQL
        self._sessions: sessionmaker[Session] | None = None
        self._lock = threading.Lock()
        self.on_outbox_write: list[Callable[[], None]] = []
        self.on_audit_pending: list[Callable[[], None]] = []

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def engine(self) -> Engine:
        if self._engine is None or self._pid != os.getpid():
            with self._lock:
                if self._engine is None or self._pid != os.getpid():
                    self._build()
        assert self._engine is not None
        return self._engine

    @property
    def read_engine(self) -> Engine:
        """The lean read path's engine: on PostgreSQL its own pool, in autocommit, without a
        ping; on SQLite the one engine (which pings nothing), its reads marked `LEAN_READ`."""
        engine = self.engine
        return self._read_engine or engine

    def _build(self) -> None:
        for inherited in (self._engine, self._read_engine):
            if inherited is not None:
                # Inherited from the parent process: drop the pool without closing its sockets.
                inherited.dispose(close=False)
        self._read_engine = self._silence = None
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if self.url.startswith("sqlite"):
            path = self.url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            # A file is never dropped by a server: the ping per checkout would only cost time
            # (and a hand-back of the GIL) on every unit of work of the embedded mode.
            kwargs["pool_pre_ping"] = False
        elif self.url.startswith("postgresql"):
            # Never wait forever on a server that stopped answering (shared/pg.py).
            from shared import pg

            kwargs["connect_args"] = pg.connect_args(self.timeouts)
            if self.timeouts.pool > 0:
                kwargs["pool_timeout"] = self.timeouts.pool
        engine = create_engine(self.url, **kwargs)
        if engine.dialect.name == "sqlite":
            _sqlite_pragmas(engine)
        elif engine.dialect.driver == "psycopg":
            from shared import pg

            silence = pg.install(engine, self.timeouts)
            _ping_unless_recent(engine, lambda: silence.since is not None)
            self._silence = silence
            self._read_engine = self._build_read_engine()
        audit_changes.watch(engine)
        self._engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._pid = os.getpid()

    def _build_read_engine(self) -> Engine:
        from shared import pg

        kwargs: dict[str, Any] = {
            "isolation_level": "AUTOCOMMIT",  # no BEGIN, no ROLLBACK: one round trip a select
            "pool_pre_ping": False,
            "pool_recycle": READ_POOL_RECYCLE,
            "connect_args": pg.connect_args(self.timeouts, reads=True),
        }
        if self.timeouts.pool > 0:
            kwargs["pool_timeout"] = self.timeouts.pool
        engine = create_engine(self.url, **kwargs)
        pg.install(engine, self.timeouts, self._silence)
        return engine

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for selects only, in autocommit (shared/reads.py retries a dropped one).
        On PostgreSQL the read admits itself to the silence and its answer is bounded by
        DB_READ_TIMEOUT, as a ping would be (shared/pg.py)."""
        with self.read_engine.connect() as conn:
            if self._silence is None:
                yield conn.execution_options(**{LEAN_READ: True})
                return
            from shared import pg

            dbapi_connection = conn.connection.dbapi_connection
            with pg.bounded_read(dbapi_connection, self._silence, self.timeouts.read):
                yield conn

    def session(self) -> Session:
        self.engine  # noqa: B018 - builds the session factory for this process
        assert self._sessions is not None
        return self._sessions()

    @contextmanager
    def trusting_recent(self, within: float) -> Iterator[RecentTrust]:
        """Units of work in this block take a connection used less than `within` seconds ago
        without pinging it first; the caller must cope with one found dead (`skipped`)."""
        trust = RecentTrust(within)
        token = _trust.set(trust)
        try:
            yield trust
        finally:
            _trust.reset(token)

    def table(self, name: str) -> Table:
        return self.metadata.tables[name]

    def read_session(self) -> Session:
        """A session that only reads: on SQLite it does not take the write lock (a polling
        check, such as whether anything waits, must not queue with the writers). A write in it
        may fail at once with "database is locked" rather than wait: use `session()` to write."""
        return Session(bind=self.engine.execution_options(**{LEAN_READ: True}))

    def ping(self) -> None:
        with self.engine.execution_options(**{LEAN_READ: True}).connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        for engine in (self._engine, self._read_engine):
            if engine is not None:
                engine.dispose()
        self._engine = self._read_engine = None

    def outbox_written(self) -> None:
        for wake in self.on_outbox_write:
            wake()

    def audit_pending_written(self) -> None:
        for wake in self.on_audit_pending:
            wake()
