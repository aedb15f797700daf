"""The audit trail: every write of a service, and every read of personal data, as an append-only
record whose MACs chain each record to the one before it.

A unit of work collects the rows its statements change (`Changes`, filled by an engine hook, so
no handler has to remember it) and, when it commits, appends one record in the same transaction:
who (actor, role), what (action, object), the rows before and after, the request and
correlation ids and the time. Each record's MAC (HMAC-SHA-256 keyed by `AUDIT_KEY`, which the
database never sees) covers its content, its key id and the previous record's MAC, so editing or
deleting a row breaks the chain at that row, and whoever can write the table but does not hold
the key cannot recompute it: `govhall audit verify <service>` recomputes it and names the first
broken link. The database also refuses UPDATE and DELETE on the table (a trigger), and the
service's runtime role holds only INSERT and SELECT on it (`grant_runtime_role`). What the chain
cannot tell by itself, its last records deleted, a signed checkpoint published outside the
database tells (`checkpoint`, kept by notification; `verify(..., checkpoints=...)`).

Records written before the key (no `key_id`) were chained with plain SHA-256; they are verified
as such, but only as the prefix of the chain: a plain record after a keyed one breaks it.
"""

from __future__ import annotations

import hashlib
import hmac
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
from shared.sqltypes import UTCDateTime, utcnow

TABLE = "audit_log"
GENESIS = "0" * 64  # the previous hash of the first record
# Rows of one statement kept in a record; a bulk statement (a sweep's) is summed up past that.
ROWS_PER_STATEMENT = 20
TEXT_LIMIT = 2000  # characters of one value; a form's content or evidence is not copied
# Bookkeeping of the messaging and the trail itself: not the service's data.
# (notification's copies of the checkpoints too: keeping one must not grow its own chain, or each
# checkpoint would call for the next.)
UNAUDITED = frozenset(
    {
        TABLE,
        "audit_checkpoints",
        "outbox",
        "processed_events",
        "failed_events",
        "idempotency_keys",
    }
)
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
        # The key that made `hash` an HMAC (`key_id`); NULL: a plain SHA-256 record from before.
        Column("key_id", String(32), nullable=True),
    )


# -- the key -------------------------------------------------------------------------------------
def key_id(key: str) -> str:
    """A key's public name: a fingerprint that says which key made a MAC, never the key."""
    return hashlib.sha256(b"govhall audit key id\0" + key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    """The key new records and checkpoints are made with, and the retired ones still verified
    (`AUDIT_KEY` and `AUDIT_KEYS`)."""

    current: str
    retired: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.current:
            raise ValueError("the audit trail needs a key (AUDIT_KEY)")

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def key(self, kid: str) -> str | None:
        for candidate in (self.current, *self.retired):
            if candidate and key_id(candidate) == kid:
                return candidate
        return None


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


def _content(record_id: int, item: Entry, prev_hash: str) -> dict[str, Any]:
    return {
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


def digest(record_id: int, item: Entry, prev_hash: str) -> str:
    """The plain SHA-256 of a record written before the key (anyone can recompute it)."""
    return hashlib.sha256(_json(_content(record_id, item, prev_hash)).encode()).hexdigest()


def mac(key: str, kid: str, record_id: int, item: Entry, prev_hash: str) -> str:
    """A record's HMAC-SHA-256: its id, every field, its key id and the previous record's MAC."""
    content = {**_content(record_id, item, prev_hash), "key_id": kid}
    return hmac.new(key.encode(), _json(content).encode(), hashlib.sha256).hexdigest()


def append(session: Session, table: Table, item: Entry, keyring: Keyring) -> int:
    """Add `item` at the end of the chain, in the caller's transaction (which commits it)."""
    if session.get_bind().dialect.name == "postgresql":
        # Held to the commit: two transactions never link to the same previous record.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last = session.execute(
        select(table.c.id, table.c.hash).order_by(table.c.id.desc()).limit(1)
    ).first()
    record_id = (last.id + 1) if last else 1
    prev_hash = last.hash if last else GENESIS
    # The id is given, not generated, because the hash covers it. The row as parameters, not
    # `.values()`: one statement compiled once, not a fresh one built per record (~0.1 ms).
    session.execute(
        insert(table),
        dict(
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
            hash=mac(keyring.current, keyring.current_id, record_id, item, prev_hash),
            key_id=keyring.current_id,
        ),
    )
    return record_id


# -- checkpoints: the head of the chain, anchored outside the database ----------------------
@dataclass(frozen=True)
class Checkpoint:
    """What a service's chain held at `at`: `records` records, the last `last_id` with MAC
    `last_mac`; signed with the audit key `key_id`, so a copy kept elsewhere cannot be forged."""

    service: str
    records: int
    last_id: int
    last_mac: str
    at: datetime
    key_id: str
    signature: str = ""

    def content(self) -> str:
        return _json(
            {
                "service": self.service,
                "records": self.records,
                "last_id": self.last_id,
                "last_mac": self.last_mac,
                "at": self.at.isoformat(timespec="microseconds"),
                "key_id": self.key_id,
            }
        )

    def signed_by(self, keyring: Keyring) -> bool:
        key = keyring.key(self.key_id)
        if key is None:
            return False
        expected = hmac.new(key.encode(), self.content().encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.signature)


def checkpoint(connection: Connection, table: Table, service: str, keyring: Keyring) -> Checkpoint:
    """The chain's head now, signed with the current key (ids run 1, 2, …: the count is the id)."""
    last = connection.execute(
        select(table.c.id, table.c.hash).order_by(table.c.id.desc()).limit(1)
    ).first()
    unsigned = Checkpoint(
        service=service,
        records=last.id if last else 0,
        last_id=last.id if last else 0,
        last_mac=last.hash if last else GENESIS,
        at=utcnow(),
        key_id=keyring.current_id,
    )
    signature = hmac.new(
        keyring.current.encode(), unsigned.content().encode(), hashlib.sha256
    ).hexdigest()
    return Checkpoint(**{**vars(unsigned), "signature": signature})


# -- verifying ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    records: int
    broken_at: int | None = None
    reason: str | None = None
    checkpoints: int = 0  # signed checkpoints the chain was compared with
    unsigned_checkpoints: int = 0  # copies whose signature does not hold: not trusted, named

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(
    rows: Iterator[Any], keyring: Keyring | None = None, checkpoints: Sequence[Checkpoint] = ()
) -> Verdict:
    """Walk the records in id order; the first whose MAC or link does not hold breaks it, and so
    does a record other than the one a checkpoint anchored at its id, or a chain shorter than a
    checkpoint counted (its tail deleted). Checkpoints not signed by a key of `keyring` are left
    out (and counted)."""
    trusted = [cp for cp in checkpoints if keyring is not None and cp.signed_by(keyring)]
    extra: dict[str, Any] = {
        "checkpoints": len(trusted),
        "unsigned_checkpoints": len(checkpoints) - len(trusted),
    }
    anchors: dict[int, Checkpoint] = {}
    for cp in sorted(trusted, key=lambda cp: cp.at):
        anchors[cp.last_id] = cp
    prev_hash, expected_id, count, keyed = GENESIS, 1, 0, False
    for row in rows:
        count += 1
        if row.id != expected_id:
            return Verdict(count, row.id, f"record {expected_id} is missing", **extra)
        if row.prev_hash != prev_hash:
            return Verdict(count, row.id, "it does not link to the record before it", **extra)
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
        kid = getattr(row, "key_id", None)
        if kid is None:
            if keyed:
                reason = "it has a plain hash after the keyed chain began"
                return Verdict(count, row.id, reason, **extra)
            expected, what = digest(row.id, item, prev_hash), "hash"
        else:
            keyed = True
            key = keyring.key(kid) if keyring is not None else None
            if key is None:
                reason = f"its key {kid} is not in the keyring (AUDIT_KEY, AUDIT_KEYS)"
                return Verdict(count, row.id, reason, **extra)
            expected, what = mac(key, kid, row.id, item, prev_hash), "MAC"
        if not hmac.compare_digest(expected, row.hash):
            return Verdict(count, row.id, f"its content does not match its {what}", **extra)
        anchor = anchors.get(row.id)
        if anchor is not None and not hmac.compare_digest(anchor.last_mac, row.hash):
            reason = f"it is not the record the checkpoint of {anchor.at.isoformat()} anchored"
            return Verdict(count, row.id, reason, **extra)
        prev_hash, expected_id = row.hash, expected_id + 1
    if anchors:
        last = max(anchors.values(), key=lambda cp: cp.last_id)
        if last.last_id > count:
            reason = (
                f"records {count + 1} to {last.last_id} are missing: the checkpoint of"
                f" {last.at.isoformat()} counted {last.records}"
            )
            return Verdict(count, count + 1, reason, **extra)
    return Verdict(count, **extra)


def verify_table(
    connection: Connection,
    table: Table,
    keyring: Keyring | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    batch: int = 5000,
) -> Verdict:
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

    return verify(rows(), keyring, checkpoints)


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


def add_key_id_in_migration(op: Any) -> None:
    """The key id of each record's MAC (the body of each service's keyed-chain migration). The
    records already there keep no key id: plain SHA-256, verified as the chain's legacy prefix."""
    import sqlalchemy as sa

    op.add_column(TABLE, sa.Column("key_id", sa.String(length=32), nullable=True))


def drop_key_id_in_migration(op: Any) -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("key_id")
