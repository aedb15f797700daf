"""The sealer: chains the audit records units of work left in `audit_pending`, in batches.

A unit of work on PostgreSQL writes its record unchained (shared/audit.py `add_pending`), so no
write waits for the one before it to commit. The sealer, in one transaction, takes the chain's
lock, reads up to a batch of pending rows in id order, checks each row's own MAC, appends them to
`audit_log` after the head as a unit of work did before (the same keyed MAC, over the row's
nonce too; ids 1, 2, … on), and deletes them from `audit_pending`. A row that commits late with a
lower id is simply sealed in the next round: the chain's order is the order of sealing, and a
committed row is never skipped, because every round starts again from the lowest id still
pending. (Transparency logs such as Trillian sequence their leaves the same way: queued first,
sequenced in batches.)

A pending row whose MAC does not hold (edited while it waited), or whose nonce the chain already
holds (a copy of a sealed one), is not sealed: it stays where it is, logged, and verification
names it (shared/audit_verify.py); a whole batch of them would hold back the rows after them, a
tampering that verification reports all the same. What the chain cannot show is a pending row
deleted before it was sealed; the window for that is from the write's commit to the next round,
milliseconds when the worker's sealer is woken by the commit, at most `POLL_INTERVAL` otherwise,
and whoever reads the trail (the audit API, `govhall audit verify`, the checkpoints) seals first.

It runs where the relay runs (`govhall worker`), woken like it: in-process when a unit of work
of the same process wrote a record, by the relay's LISTEN when a commit wrote events, and by a
poll otherwise. A write that emits no event sends no NOTIFY of its own: PostgreSQL serialises
the commits of notifying transactions, the very queue this takes off the request path.
"""

from __future__ import annotations

import hmac
import logging
import threading
from typing import Any

from sqlalchemy import Table, delete, insert, select

from shared import audit, audit_table
from shared.db import Database

log = logging.getLogger(__name__)

BATCH = 500
POLL_INTERVAL = 1.0  # seconds between looks when nothing woke the sealer


def sealing(db: Database) -> bool:
    """Whether this database's units of work leave their records to the sealer."""
    has_pending = audit_table.PENDING in db.metadata.tables
    return has_pending and db.dialect == "postgresql" and not db.audit_inline


def seal_once(db: Database, batch: int = BATCH) -> tuple[int, int]:
    """One round: chain up to `batch` pending records. Returns (sealed, refused): refused rows
    failed their own MAC or repeat a sealed nonce, and stay pending."""
    chain, pending = db.table(audit_table.TABLE), db.table(audit_table.PENDING)
    keyring = db.audit_keyring
    if keyring is None:
        raise RuntimeError("the audit trail has no key: build the Database with a Keyring")
    with db.session() as session, session.begin():
        if session.execute(select(pending.c.id).limit(1)).first() is None:
            return 0, 0  # nothing to do: no lock taken, no write
        audit.lock_chain(session)  # one sealer (or inline writer) at a time links to the head
        rows = session.execute(select(pending).order_by(pending.c.id).limit(batch)).all()
        sealed_nonces = _sealed(session, chain, [row.nonce for row in rows])
        good = [row for row in rows if _sound(row, keyring) and row.nonce not in sealed_nonces]
        if len(good) < len(rows):
            kept = {row.id for row in good}
            for row in rows:
                if row.id not in kept:
                    fault = _fault(row, keyring)
                    log.error("audit_pending record %s is not sealed: %s", row.id, fault)
        if good:
            items = [(audit.entry_of(row), row.nonce) for row in good]
            linked = audit.chained(audit.head(session, chain), items, keyring)
            session.execute(insert(chain), linked)
            session.execute(delete(pending).where(pending.c.id.in_([row.id for row in good])))
    return len(good), len(rows) - len(good)


def seal_all(db: Database, batch: int = BATCH) -> int:
    """Seal until only refused rows are left (for readers of the trail, tests, shutdown); a
    database whose writers chain inline has nothing to seal."""
    if not sealing(db):
        return 0
    total = 0
    while True:
        sealed, refused = seal_once(db, batch)
        total += sealed
        if not _more(sealed, refused, batch):
            return total


def _more(sealed: int, refused: int, batch: int) -> bool:
    """Whether a round that sealed `sealed` and refused `refused` may have left more behind.
    Refused rows stay at the head of every round: a batch of nothing else seals nothing more."""
    return sealed > 0 and sealed + refused >= batch


def _sealed(session: Any, chain: Table, nonces: list[str]) -> set[str]:
    found = session.execute(select(chain.c.nonce).where(chain.c.nonce.in_(nonces))).scalars()
    return set(found)


def _sound(row: Any, keyring: audit.Keyring) -> bool:
    key = keyring.key(row.key_id)
    if key is None:
        return False
    expected = audit.pending_mac(key, row.key_id, row.nonce, audit.entry_of(row))
    return hmac.compare_digest(expected, row.mac)


def _fault(row: Any, keyring: audit.Keyring) -> str:
    if keyring.key(row.key_id) is None:
        return f"its key {row.key_id} is not in the keyring"
    if not _sound(row, keyring):
        return "its content does not match its MAC"
    return "its nonce is already in the chain (a copy of a sealed record)"


class Sealer:
    """The worker's sealing thread: a round when woken or every `POLL_INTERVAL`, rounds back to
    back while batches come full."""

    def __init__(self, db: Database, poll_interval: float = POLL_INTERVAL) -> None:
        self.db = db
        self.poll_interval = poll_interval
        self.wakeup = threading.Event()
        db.on_audit_pending.append(self.wakeup.set)
        db.on_outbox_write.append(self.wakeup.set)  # the relay's LISTEN wakes it too

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                sealed, refused = seal_once(self.db)
            except Exception as exc:
                log.warning("audit sealer failed: %s", exc)
                sealed = refused = 0
            if _more(sealed, refused, BATCH):
                continue
            self.wakeup.wait(self.poll_interval)
            self.wakeup.clear()
