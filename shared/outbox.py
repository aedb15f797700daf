"""The transactional outbox and its relay.

Handlers write events to the `outbox` table in their own transaction; the relay publishes them
with publisher confirms and persistent delivery, then marks them sent. A broker outage delays
events and never fails a request. Several relays may run at once: on PostgreSQL each claims its
rows with FOR UPDATE SKIP LOCKED, so no row is published by two of them.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from kombu import Connection, Producer
from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from shared import broker, metrics
from shared.config import Settings
from shared.db import Database, utcnow
from shared.events import CloudEvent

log = logging.getLogger(__name__)
# PostgreSQL NOTIFY channel: a commit that wrote events wakes the relays of its database at
# once, in whatever process they run (in-process, `Database.on_outbox_write` does the same).
CHANNEL = "govhall_outbox"


def add_to_outbox(session: Session, table: Table, event: CloudEvent) -> None:
    # The row as parameters, not `.values()`: the statement is built and compiled once.
    session.execute(
        insert(table),
        {
            "id": event.id,
            "type": event.type,
            "subject": event.subject,
            "body": event.to_json(),
            "created_at": event.time,
        },
    )


def add_many_to_outbox(session: Session, table: Table, events: list[CloudEvent]) -> None:
    """One INSERT for many events: a cycle's thousands of consequences in a fraction of a
    second, not a round trip each."""
    if events:
        rows = [
            {
                "id": e.id,
                "type": e.type,
                "subject": e.subject,
                "body": e.to_json(),
                "created_at": e.time,
            }
            for e in events
        ]
        session.execute(insert(table), rows)


class Relay:
    """Publishes pending outbox rows in creation order, one batch per transaction."""

    def __init__(self, db: Database, table: Table, settings: Settings) -> None:
        self.db = db
        self.table = table
        self.settings = settings
        self.wakeup = threading.Event()
        db.on_outbox_write.append(self.wakeup.set)
        self._connection: Connection | None = None

    def run_once(self) -> int:
        """Publish one batch; returns how many rows were published."""
        with self.db.session() as session, session.begin():
            rows = session.execute(self._pending()).all()
            if not rows:
                return 0
            producer = self._producer()
            for row in rows:
                self._publish(producer, row)
            session.execute(
                update(self.table)
                .where(self.table.c.id.in_([row.id for row in rows]))
                .values(published_at=utcnow())
            )
        for row in rows:
            metrics.EVENTS_PUBLISHED.labels(self.settings.service, row.type).inc()
        return len(rows)

    def _pending(self) -> Any:
        query = (
            select(self.table.c.id, self.table.c.type, self.table.c.body)
            .where(self.table.c.published_at.is_(None))
            .order_by(self.table.c.created_at, self.table.c.id)
            .limit(self.settings.outbox_batch_size)
        )
        if self.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return query

    def _producer(self) -> Producer:
        if self._connection is None:
            self._connection = broker.connect(self.settings)
        return Producer(self._connection.default_channel, broker.events_exchange(self.settings))

    def _publish(self, producer: Producer, row: Any) -> None:
        producer.publish(
            row.body,
            routing_key=row.type,
            content_type="application/cloudevents+json",
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=row.id,
            declare=[broker.events_exchange(self.settings)],
            retry=True,
            retry_policy=broker.RETRY_POLICY,
        )

    def _reset_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:
                log.debug("closing a broken broker connection failed", exc_info=True)
        self._connection = None

    def record_failure(self, error: BaseException) -> None:
        with self.db.session() as session, session.begin():
            oldest = session.execute(self._pending().limit(1)).first()
            if oldest is not None:
                session.execute(
                    update(self.table)
                    .where(self.table.c.id == oldest.id)
                    .values(attempts=self.table.c.attempts + 1, last_error=str(error)[:2000])
                )

    def listen(self, stop: threading.Event) -> None:
        """Wake the relay on each NOTIFY from a commit (PostgreSQL), until `stop`. Without it
        the relay still polls; with it an event leaves within milliseconds of its commit, not
        up to a poll interval later. A lost connection is reopened after a pause."""
        while not stop.is_set():
            try:
                with self.db.engine.connect() as conn:
                    conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                    conn.exec_driver_sql(f"LISTEN {CHANNEL}")
                    driver: Any = conn.connection.driver_connection
                    self.wakeup.set()  # whatever was committed while nobody listened
                    while not stop.is_set():
                        for _ in driver.notifies(timeout=1.0):
                            self.wakeup.set()
            except Exception as exc:
                log.debug("outbox listener for %s: %s", self.settings.service, exc)
                stop.wait(1.0)

    def run_forever(self, stop: threading.Event) -> None:
        delay = self.settings.outbox_poll_interval
        while not stop.is_set():
            try:
                published = self.run_once()
                delay = self.settings.outbox_poll_interval
            except Exception as exc:
                log.warning("outbox relay for %s failed: %s", self.settings.service, exc)
                metrics.RELAY_FAILURES.labels(self.settings.service).inc()
                self._reset_connection()
                try:
                    self.record_failure(exc)
                except Exception:
                    log.debug("could not record the relay failure", exc_info=True)
                published = 0
                delay = min(max(delay * 2, 0.2), 5.0)
            if published:
                continue
            self.wakeup.wait(delay)
            self.wakeup.clear()
        self._reset_connection()


def prune(db: Database, table: Table, older_than: timedelta) -> int:
    """Forget published events after a while: the outbox is a buffer, not an archive."""
    with db.session() as session, session.begin():
        result: Any = session.execute(
            delete(table).where(
                table.c.published_at.is_not(None), table.c.published_at < utcnow() - older_than
            )
        )
    return int(result.rowcount)


def backlog(session: Session, table: Table) -> tuple[int, datetime | None]:
    """How many events wait to be published, and when the oldest of them was written."""
    count, oldest = session.execute(
        select(func.count(), func.min(table.c.created_at)).where(table.c.published_at.is_(None))
    ).one()
    return int(count), oldest


def wait_until_drained(relay: Relay, timeout: float = 10.0) -> bool:
    """For tests and shutdown: publish until nothing is pending or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if relay.run_once() == 0:
            return True
    return False
