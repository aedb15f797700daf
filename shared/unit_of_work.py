"""The unit of work: one transaction that writes a service's rows, the events they cause (the
outbox) and what it changed (the audit trail) together, or none of them."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared import audit, audit_changes, audit_table, pg_commit
from shared.db import Database
from shared.errors import Conflict
from shared.events import new_event
from shared.outbox import add_many_to_outbox, add_to_outbox


class UnitOfWork:
    """One database transaction. It rolls back unless `commit()` was called: a handler must say
    it is done. Events emitted through it go to the outbox in the same transaction, and what it
    changed to the audit trail (`action` on `target`, shared/audit.py)."""

    # On psycopg, the audit record, the NOTIFY and the COMMIT go in one round trip
    # (shared/pg_commit.py); False sends them one by one (for comparison, bench/write_scaling.py).
    pipeline_tail = True

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
        self._pending_audit: dict[str, Any] | None = None
        self._session: Session | None = None
        self._changes: Any = None
        self._collecting: Any = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self.db.session()
        self._changes = audit_changes.Changes()
        self._collecting = audit_changes.collecting(self._changes)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        self._pending_audit = None  # a record of a transaction not committed is not kept
        audit_changes.stop_collecting(self._collecting)
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
        pending, self._pending_audit = self._pending_audit, None
        # Delivered at commit, to the relays LISTENing in any process (shared/outbox.py).
        notify = bool(self._emitted) and self.db.dialect == "postgresql"
        try:
            if self.pipeline_tail and self.db.engine.dialect.driver == "psycopg":
                pg_commit.commit(self.session, pending, notify)
            else:
                self._commit_one_by_one(pending, notify)
        except IntegrityError as exc:
            self.session.rollback()
            raise Conflict("a record with the same key already exists") from exc
        if self._emitted:
            self._emitted = 0
            self.db.outbox_written()
        if pending is not None:
            self.db.audit_pending_written()

    def _commit_one_by_one(self, pending: dict[str, Any] | None, notify: bool) -> None:
        if pending is not None:
            self.session.execute(insert(self.db.table(audit_table.PENDING)), pending)
        if notify:
            self.session.execute(text(pg_commit.NOTIFY_OUTBOX))
        self.session.commit()

    def _append_audit_record(self) -> None:
        table = self.db.metadata.tables.get(audit_table.TABLE)
        if not self._changes or table is None:
            return
        if self.db.audit_keyring is None:
            raise RuntimeError("the audit trail has no key: build the Database with a Keyring")
        record = audit.entry(self.action, self.target, self.actor, self._changes)
        pending = self.db.metadata.tables.get(audit_table.PENDING)
        if pending is None or self.db.audit_inline or self.db.dialect != "postgresql":
            # SQLite's writers are serial already: the chain's lock costs nothing there.
            audit.append(self.session, table, record, self.db.audit_keyring)
        else:
            # No lock and no read of the chain's head: the sealer chains it after the commit.
            # Written with the commit, in the same round trip where psycopg allows.
            self._pending_audit = audit.pending_row(record, self.db.audit_keyring)
        self._changes.clear()
