"""Database access: one lazily created engine per process, one unit of work per request or message.

Engines are never built at import time and are rebuilt after a fork (gunicorn), so no connection
is ever shared between processes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, Table, create_engine, event, insert, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from shared.config import DatabaseTimeouts
from shared.errors import Conflict


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite keeps no zone; we store naive UTC there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(engine: Engine) -> None:
    # Web threads, the relay and the consumer all write to one file in the embedded mode. WAL lets
    # readers go on during a write; BEGIN IMMEDIATE takes the write lock up front so two
    # transactions never deadlock upgrading a read lock (SQLite would fail one at once).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def insert_returning_id(session: Session, table: Table, values: dict[str, Any]) -> int:
    """Insert one row and return its generated integer key."""
    result: Any = session.execute(insert(table).values(values))
    return int(result.inserted_primary_key[0])


def upsert(session: Session, table: Table, keys: Sequence[str], values: dict[str, Any]) -> None:
    """Insert a row or update the one with the same keys, atomically (for local copies)."""
    dialect = session.get_bind().dialect.name
    insert_: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as insert_
    else:  # pragma: no cover - the two databases govhall runs on
        raise NotImplementedError(f"upsert on {dialect}")
    changes = {name: value for name, value in values.items() if name not in keys}
    statement = insert_(table).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changes))


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
        from shared import audit

        audit.watch(engine)
        self._engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._pid = os.getpid()

    def session(self) -> Session:
        self.engine  # noqa: B018 - builds the session factory for this process
        assert self._sessions is not None
        return self._sessions()

    def table(self, name: str) -> Table:
        return self.metadata.tables[name]

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def outbox_written(self) -> None:
        for wake in self.on_outbox_write:
            wake()


class UnitOfWork:
    """One database transaction. It rolls back unless `commit()` was called: a handler must say
    it is done. Events emitted through it go to the outbox in the same transaction, and what it
    changed to the audit trail (`action` on `target`, shared/audit.py)."""

    def __init__(
        self,
        db: Database,
        *,
        source: str,
        actor: str | None = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        action: str | None = None,
        target: str = "",
    ) -> None:
        self.db = db
        self.source = source
        self.actor = actor
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self.action = action
        self.target = target
        self._emitted = 0
        self._session: Session | None = None
        self._changes: Any = None
        self._collecting: Any = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        from shared import audit

        self._session = self.db.session()
        self._changes = audit.Changes()
        self._collecting = audit.collecting(self._changes)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        from shared import audit

        session, self._session = self.session, None
        audit.stop_collecting(self._collecting)
        try:
            session.rollback()
        finally:
            session.close()

    def audit_read(self, target: str, fields: Sequence[str]) -> None:
        """Log a read of personal data (which fields of what); it is kept when this commits."""
        self._changes.reads.append(f"{target}: {', '.join(fields)}")

    def record_reads(self, targets: Sequence[str], fields: Sequence[str]) -> None:
        """In a transaction of its own: these records' `fields` were shown to the actor."""
        if not targets:
            return
        with self:
            for target in targets:
                self.audit_read(target, fields)
            self.commit()

    def emit(self, event_type: str, subject: str, data: dict[str, Any]) -> str:
        """Record an event for the relay; returns its id. Validated against its contract."""
        from shared.events import new_event
        from shared.outbox import add_to_outbox

        event = new_event(
            source=self.source,
            type=event_type,
            subject=subject,
            data=data,
            actor=self.actor,
            correlationid=self.correlation_id,
            causationid=self.causation_id,
        )
        add_to_outbox(self.session, self.db.table("outbox"), event)
        self._emitted += 1
        return event.id

    def emit_many(self, event_type: str, items: list[tuple[str, dict[str, Any]]]) -> int:
        """Record many events of one type, (subject, data) each, in one statement."""
        from shared.events import new_event
        from shared.outbox import add_many_to_outbox

        events = [
            new_event(
                source=self.source,
                type=event_type,
                subject=subject,
                data=data,
                actor=self.actor,
                correlationid=self.correlation_id,
                causationid=self.causation_id,
            )
            for subject, data in items
        ]
        add_many_to_outbox(self.session, self.db.table("outbox"), events)
        self._emitted += len(events)
        return len(events)

    def flush(self) -> None:
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise Conflict("a record with the same key already exists") from exc

    def commit(self) -> None:
        self._append_audit_record()
        if self._emitted and self.db.dialect == "postgresql":
            # Delivered at commit, to the relays LISTENing in any process (shared/outbox.py).
            self.session.execute(text("SELECT pg_notify('govhall_outbox', '')"))
        try:
            self.session.commit()
        except IntegrityError as exc:
            self.session.rollback()
            raise Conflict("a record with the same key already exists") from exc
        if self._emitted:
            self._emitted = 0
            self.db.outbox_written()

    def _append_audit_record(self) -> None:
        from shared import audit

        table = self.db.metadata.tables.get(audit.TABLE)
        if not self._changes or table is None:
            return
        if self.db.audit_keyring is None:
            raise RuntimeError("the audit trail has no key: build the Database with a Keyring")
        record = audit.entry(self.action, self.target, self.actor, self._changes)
        audit.append(self.session, table, record, self.db.audit_keyring)
        self._changes.clear()
