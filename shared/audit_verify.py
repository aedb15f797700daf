"""Checking the audit chain: `verify` walks the records and names the first broken link, and a
signed `Checkpoint` of the chain's head, kept outside the database, tells when its last records
were deleted (the chain and its MACs are in shared/audit.py)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from shared import audit_table
from shared.audit import GENESIS, Entry, Keyring, canonical_json, digest, entry_of, mac, pending_mac
from shared.sqltypes import utcnow


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
        return canonical_json(
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
    pending: int = 0  # records written but not yet chained by the sealer
    pending_broken_at: int | None = None  # the first of them whose own MAC does not hold
    pending_reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None and self.pending_broken_at is None


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
        nonce = getattr(row, "nonce", None)
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
            expected, what = mac(key, kid, row.id, item, prev_hash, nonce), "MAC"
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

    verdict = verify(rows(), keyring, checkpoints)
    pending = table.metadata.tables.get(audit_table.PENDING)
    if pending is None:
        return verdict
    return verify_pending(connection, pending, table, keyring, verdict)


def verify_pending(
    connection: Connection, pending: Table, chain: Table, keyring: Keyring | None, verdict: Verdict
) -> Verdict:
    """`verdict` with the records still pending counted, and the first of them named whose own
    MAC does not hold (edited while it waited) or whose nonce the chain holds (a copy)."""
    count, first_bad, reason = 0, None, None
    for row in connection.execute(select(pending).order_by(pending.c.id)):
        count += 1
        if first_bad is not None:
            continue
        key = keyring.key(row.key_id) if keyring is not None else None
        if key is None:
            first_bad, reason = row.id, f"its key {row.key_id} is not in the keyring"
        elif not hmac.compare_digest(
            pending_mac(key, row.key_id, row.nonce, entry_of(row)), row.mac
        ):
            first_bad, reason = row.id, "its content does not match its MAC"
        elif connection.execute(select(chain.c.id).where(chain.c.nonce == row.nonce)).first():
            first_bad, reason = row.id, "it is a copy of a record already chained"
    return replace(verdict, pending=count, pending_broken_at=first_bad, pending_reason=reason)
