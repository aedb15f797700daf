"""Database access: one lazily created engine per process, one unit of work per request or message.

Engines are never built at import time and are rebuilt after a fork (gunicorn), so no connection
is ever shared between processes.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, Table, create_engine, event, insert, text
from sqlalchemy.orm import Session, sessionmaker

from shared import audit_changes
from shared.config_bounds import DatabaseTimeouts
from shared.sqltypes import UTCDateTime, utcnow

# UTCDateTime and utcnow live in shared/sqltypes.py; they stay importable from here because
# migrations already applied name `shared.db.UTCDateTime`, and a migration is never rewritten.
__all__ = ["Database", "UTCDateTime", "insert_if_absent", "insert_returning_id", "upsert", "utcnow"]


READ_ONLY = "govhall_read_only"  # the execution option of Database.read_session


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
        if conn.get_execution_options().get(READ_ONLY):
            # Only reads (Database.read_session): in WAL mode a reader neither waits for the
            # write lock nor holds it, so a poll never queues behind, or ahead of, a writer.
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def insert_returning_id(session: Session, table: Table, values: dict[str, Any]) -> int:
    """Insert one row and return its generated integer key."""
    # The row as parameters, not `.values()`: one statement per table, compiled once.
    result: Any = session.execute(insert(table), values)
    return int(result.inserted_primary_key[0])


def upsert(session: Session, table: Table, keys: Sequence[str], values: dict[str, Any]) -> None:
    """Insert a row or update the one with the same keys, atomically (for local copies)."""
    dialect = session.get_bind().dialect.name
    session.execute(_upsert_statement(dialect, table, tuple(keys), tuple(values)), values)


@functools.lru_cache(maxsize=256)
def _upsert_statement(
    dialect: str, table: Table, keys: tuple[str, ...], names: tuple[str, ...]
) -> Any:
    """The row as parameters and the update from `excluded` (the row offered): the statement is
    the same for every call with the same columns, so it is built once (building it took as
    long as running it, for every event a consumer copies)."""
    statement = _dialect_insert(dialect, table)
    changes = {name: statement.excluded[name] for name in names if name not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=changes)


def insert_if_absent(dialect: str, table: Table) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING the key: executed, it returns no row when a row
    with the same key was there (a savepoint around a plain insert costs two more statements;
    the rowcount would not do: psycopg reports -1 for it)."""
    statement = _dialect_insert(dialect, table).on_conflict_do_nothing()
    return statement.returning(*table.primary_key.columns)


def _dialect_insert(dialect: str, table: Table) -> Any:
    """The dialect's own INSERT, the one with ON CONFLICT."""
    insert_: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as insert_
    else:  # pragma: no cover - the two databases govhall runs on
        raise NotImplementedError(f"ON CONFLICT on {dialect}")
    return insert_(table)


class Database:
    """A service's database, reachable from any thread of any process that owns this object."""

    def __init__(
        self,
        url: str,
        metadata: MetaData,
        timeouts: DatabaseTimeouts | None = None,
        audit_keyring: Any = None,
    ) -> None:
        self.url = url
        self.metadata = metadata
        self.timeouts = timeouts or DatabaseTimeouts()
        self.audit_keyring = audit_keyring  # shared.audit.Keyring: what chains the audit trail
        self._pid: int | None = None
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._lock = threading.Lock()
        self.on_outbox_write: list[Callable[[], None]] = []

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

    def _build(self) -> None:
        if self._engine is not None:
            # Inherited from the parent process: drop the pool without closing its sockets.
            self._engine.dispose(close=False)
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

            pg.install(engine, self.timeouts)
        audit_changes.watch(engine)
        self._engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._pid = os.getpid()

    def session(self) -> Session:
        self.engine  # noqa: B018 - builds the session factory for this process
        assert self._sessions is not None
        return self._sessions()

    def read_session(self) -> Session:
        """A session that only reads: on SQLite it does not take the write lock (a polling
        check, such as whether anything waits, must not queue with the writers). A write in it
        may fail at once with "database is locked" rather than wait: use `session()` to write."""
        return Session(bind=self.engine.execution_options(**{READ_ONLY: True}))

    def table(self, name: str) -> Table:
        return self.metadata.tables[name]

    def ping(self) -> None:
        with self.engine.execution_options(**{READ_ONLY: True}).connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def outbox_written(self) -> None:
        for wake in self.on_outbox_write:
            wake()
