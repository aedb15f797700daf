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

Here: the key, the record and how it joins the chain. Elsewhere: what a unit of work changed
(shared/audit_changes.py), verifying and checkpoints (shared/audit_verify.py), the table and its
append-only triggers (shared/audit_table.py).

Records written before the key (no `key_id`) were chained with plain SHA-256; they are verified
as such, but only as the prefix of the chain: a plain record after a keyed one breaks it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from shared import logs
from shared.audit_changes import Changes
from shared.sqltypes import utcnow

GENESIS = "0" * 64  # the previous hash of the first record
# One writer at a time appends to the chain (PostgreSQL; SQLite's writers are serial already).
_CHAIN_LOCK_KEY = 0x676F7668616C6C  # "govhall"


# -- the key -------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=32)
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
        before=canonical_json(changes.before) if changes.before else None,
        after=canonical_json(after) if after else None,
        request_id=context.get("request_id"),
        correlation_id=context.get("correlation_id"),
    )


def canonical_json(value: Any) -> str:
    """The one spelling of a value that its MAC, and a checkpoint's signature, are made over."""
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
    return hashlib.sha256(canonical_json(_content(record_id, item, prev_hash)).encode()).hexdigest()


def mac(key: str, kid: str, record_id: int, item: Entry, prev_hash: str) -> str:
    """A record's HMAC-SHA-256: its id, every field, its key id and the previous record's MAC."""
    content = {**_content(record_id, item, prev_hash), "key_id": kid}
    return hmac.new(key.encode(), canonical_json(content).encode(), hashlib.sha256).hexdigest()


def append(session: Session, table: Table, item: Entry, keyring: Keyring) -> int:
    """Add `item` at the end of the chain, in the caller's transaction (which commits it)."""
    if session.get_bind().dialect.name == "postgresql":
        # Held to the commit: two transactions never link to the same previous record.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last_record, insert_record = _statements(table)
    last = session.execute(last_record).first()
    record_id = (last.id + 1) if last else 1
    prev_hash = last.hash if last else GENESIS
    # The id is given, not generated, because the hash covers it. The row as parameters, not
    # `.values()`: one statement compiled once, not a fresh one built per record (~0.1 ms).
    session.execute(
        insert_record,
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


@functools.lru_cache(maxsize=16)
def _statements(table: Table) -> tuple[Any, Any]:
    """The chain's last record and the insert of a new one, built once per table: every unit
    of work of every service appends, and building a select costs as much as running it."""
    last = select(table.c.id, table.c.hash).order_by(table.c.id.desc()).limit(1)
    return last, insert(table)
