"""The audit trail: every write of a service, and every read of personal data, as an append-only
record whose hashes chain each record to the one before it.

A unit of work collects the rows its statements change (`Changes`, filled by an engine hook, so
no handler has to remember it) and, when it commits, appends one record in the same transaction:
who (actor, role), what (action, object), the rows before and after, the request and
correlation ids and the time. Each record's hash covers its content and the previous record's
hash, so editing or deleting a row breaks the chain at that row: `govhall audit verify <service>`
recomputes it and names the first broken link. The database also refuses UPDATE and DELETE on
the table (a trigger); the chain is what still tells when someone with the rights got past that.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Delete, Insert, Update

from shared import logs
from shared.db import UTCDateTime, utcnow

TABLE = "audit_log"
GENESIS = "0" * 64  # the previous hash of the first record
# Rows of one statement kept in a record; a bulk statement (a sweep's) is summed up past that.
ROWS_PER_STATEMENT = 20
TEXT_LIMIT = 2000  # characters of one value; a form's content or evidence is not copied
# Bookkeeping of the messaging and the trail itself: not the service's data.
UNAUDITED = frozenset({TABLE, "outbox", "processed_events", "failed_events", "idempotency_keys"})
# One writer at a time appends to the chain (PostgreSQL; SQLite's writers are serial already).
_CHAIN_LOCK_KEY = 0x676F7668616C6C  # "govhall"


def add_audit_table(metadata: MetaData) -> Table:
    return Table(
        TABLE,
        metadata,
        # Given by `append` (the hash covers it), never by a sequence.
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("at", UTCDateTime(), nullable=False),
        Column("actor", String(300), nullable=False),
        Column("role", String(20), nullable=False),
        Column("action", String(300), nullable=False),
        Column("object", String(500), nullable=False),
        Column("before", Text, nullable=True),
        Column("after", Text, nullable=True),
        Column("request_id", String(128), nullable=True),
        Column("correlation_id", String(128), nullable=True),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False, unique=True),
    )


# -- what a unit of work changed -------------------------------------------------------------
@dataclass
class Changes:
    """The rows a transaction's statements touched: `table:key` → values, before and after."""

    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.before or self.after or self.reads)

    def clear(self) -> None:
        self.before.clear()
        self.after.clear()
        self.reads.clear()

    def note(self, kind: str, key: str, value: Any) -> None:
        side = self.before if kind == "before" else self.after
        side[key] = value


_collecting: ContextVar[Changes | None] = ContextVar("govhall_audit", default=None)


def collecting(changes: Changes | None) -> Any:
    """Route this context's statements into `changes` (None: stop); returns the reset token."""
    return _collecting.set(changes)


def stop_collecting(token: Any) -> None:
    _collecting.reset(token)


_hooked: set[int] = set()
_hook_lock = threading.Lock()


def watch(engine: Engine) -> None:
    """Capture every INSERT, UPDATE and DELETE run on `engine` inside a collecting context."""
    with _hook_lock:
        if id(engine) in _hooked:
            return
        _hooked.add(id(engine))
    event.listen(engine, "before_execute", _capture)


def _capture(
    conn: Connection,
    statement: Any,
    multiparams: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    _options: Any,
) -> None:
    changes = _collecting.get()
    if changes is None or not isinstance(statement, Insert | Update | Delete):
        return
    table = statement.table
    name = getattr(table, "name", None)
    if not isinstance(name, str) or name in UNAUDITED:
        return
    rows = [dict(p) for p in multiparams] or ([dict(params)] if params else [])
    if isinstance(statement, Insert):
        _note_insert(changes, name, statement, rows)
    else:
        _note_update_or_delete(conn, changes, table, statement, rows)


def _note_insert(
    changes: Changes, name: str, statement: Insert, rows: list[dict[str, Any]]
) -> None:
    values = _set_values(statement)
    inserted = [{**values, **row} for row in rows] if rows else [values]
    start = len([key for key in changes.after if key.startswith(f"{name}:+")])
    for n, row in enumerate(inserted[:ROWS_PER_STATEMENT], start=start + 1):
        changes.note("after", f"{name}:+{n}", _plain(row))
    if len(inserted) > ROWS_PER_STATEMENT:
        changes.note("after", f"{name}:+more", f"{len(inserted) - ROWS_PER_STATEMENT} rows more")


def _note_update_or_delete(
    conn: Connection,
    changes: Changes,
    table: Any,
    statement: Update | Delete,
    rows: list[dict[str, Any]],
) -> None:
    new = _set_values(statement) if isinstance(statement, Update) else None
    if rows:
        # executemany: each parameter set addresses its row(s); they are what is known.
        for n, row in enumerate(rows[:ROWS_PER_STATEMENT], start=1):
            changes.note("after", f"{table.name}:~{n}", _plain({**(new or {}), **row}))
        return
    query = select(table)
    if statement.whereclause is not None:
        query = query.where(statement.whereclause)
    found = conn.execute(query.limit(ROWS_PER_STATEMENT + 1)).mappings().all()
    keys = [column.name for column in table.primary_key.columns]
    for found_row in found[:ROWS_PER_STATEMENT]:
        key = f"{table.name}:" + ",".join(str(found_row[k]) for k in keys)
        changes.before.setdefault(key, _plain(dict(found_row)))
        changes.note(
            "after", key, None if new is None else {**changes.after.get(key, {}), **_plain(new)}
        )
    if len(found) > ROWS_PER_STATEMENT:
        changes.note("after", f"{table.name}:more", "more rows than are listed")


def _set_values(statement: Insert | Update) -> dict[str, Any]:
    # The statement's `.values(...)`; SQLAlchemy keeps them as bound parameters or expressions.
    values: Mapping[Any, Any] = getattr(statement, "_values", None) or {}
    plain: dict[str, Any] = {}
    for column, value in values.items():
        name = getattr(column, "name", None) or getattr(column, "key", None) or str(column)
        plain[str(name)] = value.value if hasattr(value, "value") else str(value)
    return plain


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key): _value(str(key), value) for key, value in row.items()}


def _value(key: str, value: Any) -> Any:
    """A value as the trail keeps it: personal data and secrets only as a fingerprint (a change
    still shows), long texts and files cut, everything else as JSON can hold it."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_value(key, item) for item in value][:ROWS_PER_STATEMENT]
    if isinstance(value, Mapping):
        return {str(k): _value(str(k), v) for k, v in value.items()}
    shown = str(value)
    if logs.sensitive(key):
        return "sha256:" + hashlib.sha256(shown.encode()).hexdigest()[:16]
    return shown if len(shown) <= TEXT_LIMIT else shown[:TEXT_LIMIT] + f"… ({len(shown)} chars)"


# -- appending ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    role: str
    action: str
    object: str
    before: str | None
    after: str | None
    request_id: str | None
    correlation_id: str | None


def entry(action: str | None, target: str, actor: str | None, changes: Changes) -> Entry:
    context = logs.current()
    who = actor or "system"
    if action is None:  # a sweep's round, the demo loader, a command
        action = f"sweep {context['sweep']}" if "sweep" in context else "system"
    after: dict[str, Any] = dict(changes.after)
    if changes.reads:
        after["read"] = changes.reads
    return Entry(
        at=utcnow(),
        actor=who[:300],
        role=who.split(":", 1)[0][:20],
        action=action[:300],
        object=target[:500],
        before=_json(changes.before) if changes.before else None,
        after=_json(after) if after else None,
        request_id=context.get("request_id"),
        correlation_id=context.get("correlation_id"),
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def digest(record_id: int, item: Entry, prev_hash: str) -> str:
    """The hash of a record: its id, every field and the previous record's hash."""
    content = {
        "id": record_id,
        "at": item.at.isoformat(timespec="microseconds"),
        "actor": item.actor,
        "role": item.role,
        "action": item.action,
        "object": item.object,
        "before": item.before,
        "after": item.after,
        "request_id": item.request_id,
        "correlation_id": item.correlation_id,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(_json(content).encode()).hexdigest()


def append(session: Session, table: Table, item: Entry) -> int:
    """Add `item` at the end of the chain, in the caller's transaction (which commits it)."""
    if session.get_bind().dialect.name == "postgresql":
        # Held to the commit: two transactions never link to the same previous record.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last = session.execute(
        select(table.c.id, table.c.hash).order_by(table.c.id.desc()).limit(1)
    ).first()
    record_id = (last.id + 1) if last else 1
    prev_hash = last.hash if last else GENESIS
    # The id is given, not generated, because the hash covers it.
    session.execute(
        insert(table).values(
            id=record_id,
            at=item.at,
            actor=item.actor,
            role=item.role,
            action=item.action,
            object=item.object,
            before=item.before,
            after=item.after,
            request_id=item.request_id,
            correlation_id=item.correlation_id,
            prev_hash=prev_hash,
            hash=digest(record_id, item, prev_hash),
        )
    )
    return record_id


# -- verifying ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    records: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(rows: Iterator[Any]) -> Verdict:
    """Walk the records in id order; the first whose hash or link does not hold breaks it."""
    prev_hash, expected_id, count = GENESIS, 1, 0
    for row in rows:
        count += 1
        if row.id != expected_id:
            return Verdict(count, row.id, f"record {expected_id} is missing")
        if row.prev_hash != prev_hash:
            return Verdict(count, row.id, "it does not link to the record before it")
        item = Entry(
            at=row.at,
            actor=row.actor,
            role=row.role,
            action=row.action,
            object=row.object,
            before=row.before,
            after=row.after,
            request_id=row.request_id,
            correlation_id=row.correlation_id,
        )
        if digest(row.id, item, prev_hash) != row.hash:
            return Verdict(count, row.id, "its content does not match its hash")
        prev_hash, expected_id = row.hash, expected_id + 1
    return Verdict(count)


def verify_table(connection: Connection, table: Table, batch: int = 5000) -> Verdict:
    """`verify` over a service's whole table, read in id order a batch at a time."""

    def rows() -> Iterator[Any]:
        after = 0
        while True:
            chunk = connection.execute(
                select(table).where(table.c.id > after).order_by(table.c.id).limit(batch)
            ).all()
            if not chunk:
                return
            yield from chunk
            after = chunk[-1].id

    return verify(rows())


# -- the schema, for each service's migration --------------------------------------------------
_APPEND_ONLY_PG = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
"""
_APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END",
)


def create_in_migration(op: Any) -> None:
    """The table and its append-only triggers (the body of each service's audit migration)."""
    import sqlalchemy as sa

    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=300), nullable=False),
        sa.Column("object", sa.String(length=500), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("correlation_id", sa.String(length=128), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY_PG)
    else:
        for statement in _APPEND_ONLY_SQLITE:
            op.execute(statement)


def drop_in_migration(op: Any) -> None:
    op.drop_table(TABLE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_log_append_only()")
