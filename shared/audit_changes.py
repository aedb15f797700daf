"""What a unit of work changed, for its audit record: an engine hook (`watch`) notes the rows
each INSERT, UPDATE and DELETE touches into the context's `Changes`, personal data only as a
fingerprint and long values cut (the chain the record joins is in shared/audit.py)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Delete, Insert, Update

from shared import logs
from shared.audit_table import TABLE

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
