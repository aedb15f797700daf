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

On PostgreSQL a unit of work does not join the chain itself: it writes its record to
`audit_pending` with a MAC of the record's own content (`add_pending`), without a lock and
without reading the chain's head, and the sealer (shared/audit_sealer.py) chains the pending
records in batches, in the order it finds them committed. So writers do not queue behind one
another for the chain; what a reader of the trail sees is the same, because it seals first. On
SQLite, whose writers are serial anyway, the unit of work still appends in its own transaction
(`append`), as PostgreSQL does with `AUDIT_CHAIN_INLINE`.

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
import secrets
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


def _fields(item: Entry) -> dict[str, Any]:
    return {
        "at": item.at.isoformat(timespec="microseconds"),
        "actor": item.actor,
        "role": item.role,
        "action": item.action,
        "object": item.object,
        "before": item.before,
        "after": item.after,
        "request_id": item.request_id,
        "correlation_id": item.correlation_id,
    }


def _content(
    record_id: int, item: Entry, prev_hash: str, nonce: str | None = None
) -> dict[str, Any]:
    # A sealed record's nonce is covered too; records chained in their own transaction have
    # none, and their content is spelled as it always was.
    extra = {"nonce": nonce} if nonce is not None else {}
    return {**extra, "id": record_id, **_fields(item), "prev_hash": prev_hash}


def digest(record_id: int, item: Entry, prev_hash: str) -> str:
    """The plain SHA-256 of a record written before the key (anyone can recompute it)."""
    return hashlib.sha256(canonical_json(_content(record_id, item, prev_hash)).encode()).hexdigest()


def mac(
    key: str, kid: str, record_id: int, item: Entry, prev_hash: str, nonce: str | None = None
) -> str:
    """A record's HMAC-SHA-256: its id, every field, its key id, the previous record's MAC and,
    for a record that was pending, its nonce."""
    content = {**_content(record_id, item, prev_hash, nonce), "key_id": kid}
    return hmac.new(key.encode(), canonical_json(content).encode(), hashlib.sha256).hexdigest()


def pending_mac(key: str, kid: str, nonce: str, item: Entry) -> str:
    """A pending record's own HMAC-SHA-256: every field, its nonce and key id (no id, no link:
    it has neither yet). Spelled apart from a chained record's, so neither passes for the other."""
    content = {"pending": True, "nonce": nonce, **_fields(item), "key_id": kid}
    return hmac.new(key.encode(), canonical_json(content).encode(), hashlib.sha256).hexdigest()


def entry_of(row: Any) -> Entry:
    """The Entry a chained or pending row holds."""
    return Entry(**{name: getattr(row, name) for name in Entry.__dataclass_fields__})


def pending_row(item: Entry, keyring: Keyring) -> dict[str, Any]:
    """`item` as a row of `audit_pending`, with a fresh random nonce: what a copy of the row made
    after it was sealed cannot change."""
    nonce = secrets.token_hex(16)
    return dict(
        nonce=nonce,
        **vars(item),
        key_id=keyring.current_id,
        mac=pending_mac(keyring.current, keyring.current_id, nonce, item),
    )


def add_pending(session: Session, table: Table, item: Entry, keyring: Keyring) -> None:
    """Write `item` for the sealer, in the caller's transaction: no lock, no read of the chain."""
    session.execute(insert(table), pending_row(item, keyring))


def lock_chain(session: Session) -> None:
    """One writer at a time links to the chain's head, to the caller's commit (PostgreSQL; a
    SQLite writer holds the whole database already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})


def head(session: Session, table: Table) -> tuple[int, str]:
    """The last record's id and MAC; (0, GENESIS) for an empty chain."""
    last = session.execute(_statements(table)[0]).first()
    return (last.id, last.hash) if last else (0, GENESIS)


def chained(
    after: tuple[int, str], items: list[tuple[Entry, str | None]], keyring: Keyring
) -> list[dict[str, Any]]:
    """The rows that add `items` (each with its nonce, None for none) after the record `after`
    (id and MAC), each linked to the one before it."""
    last_id, prev_hash = after
    rows = []
    for record_id, (item, nonce) in enumerate(items, start=last_id + 1):
        record_mac = mac(keyring.current, keyring.current_id, record_id, item, prev_hash, nonce)
        # The id is given, not generated, because the MAC covers it.
        rows.append(
            dict(
                id=record_id,
                **vars(item),
                prev_hash=prev_hash,
                hash=record_mac,
                key_id=keyring.current_id,
                nonce=nonce,
            )
        )
        prev_hash = record_mac
    return rows


def append(session: Session, table: Table, item: Entry, keyring: Keyring) -> int:
    """Add `item` at the end of the chain, in the caller's transaction (which commits it), under
    the chain's lock, held to the commit: two transactions never link to the same record."""
    lock_chain(session)
    [row] = chained(head(session, table), [(item, None)], keyring)
    # The row as parameters, not `.values()`: one statement compiled once, not a fresh one
    # built per record (~0.1 ms).
    session.execute(_statements(table)[1], row)
    return int(row["id"])


@functools.lru_cache(maxsize=16)
def _statements(table: Table) -> tuple[Any, Any]:
    """The chain's last record and the insert of a new one, built once per table: every unit
    of work of the embedded mode appends, and building a select costs as much as running it."""
    last = select(table.c.id, table.c.hash).order_by(table.c.id.desc()).limit(1)
    return last, insert(table)
