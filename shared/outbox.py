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
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from amqp.exceptions import AMQPError
from kombu import Connection, Producer
from kombu.exceptions import KombuError
from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from shared import broker, metrics
from shared.config import Settings
from shared.db import Database
from shared.events import CloudEvent
from shared.sqltypes import utcnow

log = logging.getLogger(__name__)
# PostgreSQL NOTIFY channel: a commit that wrote events wakes the relays of its database at
# once, in whatever process they run (in-process, `Database.on_outbox_write` does the same).
CHANNEL = "govhall_outbox"
# What a publish or a wait for confirms raises when the broker or the way to it fails (sockets,
# timeouts, refused connections, closed channels), as opposed to a bug here.
BROKER_ERRORS = (AMQPError, KombuError, OSError)


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


class PublishNotConfirmed(RuntimeError):
    """The broker nacked a publish, or did not confirm it in time: that row stays pending."""


class _Confirms:
    """The broker's answers to the publishes on one channel in confirm mode, by delivery tag.

    RabbitMQ numbers a confirm-mode channel's publishes 1, 2, 3 …, and answers each with
    basic.ack or basic.nack; `multiple` answers every tag up to this one that is still open.
    """

    def __init__(self) -> None:
        self.last_tag = 0
        self.waiting: dict[int, None] = {}  # open tags, in publish order
        self.answers: dict[int, bool] = {}  # this batch's: True acked, False nacked

    def published(self) -> int:
        self.last_tag += 1
        self.waiting[self.last_tag] = None
        return self.last_tag

    def ack(self, delivery_tag: int, multiple: bool = False) -> None:
        self._answer(delivery_tag, multiple, True)

    def nack(self, delivery_tag: int, multiple: bool = False) -> None:
        self._answer(delivery_tag, multiple, False)

    def _answer(self, delivery_tag: int, multiple: bool, confirmed: bool) -> None:
        if multiple:
            tags = []
            for tag in self.waiting:  # in order: stop at the first one past the answer
                if tag > delivery_tag:
                    break
                tags.append(tag)
        else:
            tags = [delivery_tag] if delivery_tag in self.waiting else []
        for tag in tags:
            del self.waiting[tag]
            self.answers[tag] = confirmed

    def confirmed_prefix(self, tags: list[int]) -> int:
        """How many of `tags`, from the first, were acked before any was nacked or left open.
        Only these are marked sent: a row behind an unconfirmed one waits for it, so the rows
        still leave in outbox order (a republish after it is a duplicate the inbox drops)."""
        count = 0
        for tag in tags:
            if self.answers.get(tag) is not True:
                break
            count += 1
        return count


class Relay:
    """Publishes pending outbox rows in creation order, one batch per transaction.

    On RabbitMQ a batch is published on one channel in confirm mode without waiting, then its
    confirms are awaited once: one round trip per batch instead of one per event. A row is
    marked sent only once the broker confirmed it; what was nacked, timed out or lost with the
    connection stays pending and is published again (at least once: consumers drop duplicates
    by event id in their inbox). One channel, publishes in outbox order: RabbitMQ keeps that
    order per channel.
    """

    # The longest a batch waits for its confirms; then its unconfirmed rows stay pending.
    confirm_timeout = 15.0

    def __init__(self, db: Database, table: Table, settings: Settings) -> None:
        self.db = db
        self.table = table
        self.settings = settings
        self.wakeup = threading.Event()
        db.on_outbox_write.append(self.wakeup.set)
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._confirms: _Confirms | None = None  # None on the in-memory broker: no confirms

    def run_once(self) -> int:
        """Publish one batch; returns how many rows were published (confirmed and marked sent).
        Raises after marking the confirmed ones if the broker did not confirm them all."""
        with self.db.session() as session, session.begin():
            rows = session.execute(self._pending()).all()
            if not rows:
                return 0
            sent, failure = self._publish_batch(rows)
            if sent:
                session.execute(
                    update(self.table)
                    .where(self.table.c.id.in_([row.id for row in rows[:sent]]))
                    .values(published_at=utcnow())
                )
        for row in rows[:sent]:
            metrics.EVENTS_PUBLISHED.labels(self.settings.service, row.type).inc()
        if failure is not None:
            raise failure
        return sent

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

    def _publish_batch(self, rows: Sequence[Any]) -> tuple[int, BaseException | None]:
        """Publish `rows` in order; returns how many of them, from the first, are confirmed,
        and why the rest are not. A connection that went stale while idle (the broker closed
        it, a heartbeat missed) is reopened and the batch tried once more, as kombu's retry
        did for each publish before."""
        reused = self._producer is not None
        try:
            return self._publish_confirmed(rows)
        except BROKER_ERRORS as exc:
            self._reset_connection(broken=True)
            if not reused:
                return 0, exc
            log.debug("relay for %s reconnects: %s", self.settings.service, exc)
        try:
            return self._publish_confirmed(rows)
        except BROKER_ERRORS as exc:
            self._reset_connection(broken=True)
            return 0, exc

    def _publish_confirmed(self, rows: Sequence[Any]) -> tuple[int, BaseException | None]:
        producer = self._open_producer()
        confirms = self._confirms
        if confirms is None:  # the in-memory broker: a publish is there once it returns
            for row in rows:
                self._publish(producer, row)
            return len(rows), None
        confirms.answers.clear()
        tags = []
        for row in rows:
            self._publish(producer, row)
            tags.append(confirms.published())
        self._await(confirms)
        sent = confirms.confirmed_prefix(tags)
        if sent == len(rows):
            return sent, None
        nacked = sum(1 for tag in tags if confirms.answers.get(tag) is False)
        if confirms.waiting:  # unanswered: this channel's later tags cannot be trusted
            self._reset_connection(broken=True)
        return sent, PublishNotConfirmed(
            f"{len(rows) - sent} of {len(rows)} events not confirmed by the broker "
            f"({nacked} nacked, {len(confirms.waiting)} unanswered in {self.confirm_timeout} s)"
        )

    def _await(self, confirms: _Confirms) -> None:
        """Read the broker's answers until every publish has one, or `confirm_timeout`."""
        assert self._connection is not None
        deadline = time.monotonic() + self.confirm_timeout
        while confirms.waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                self._connection.drain_events(timeout=left)
            except TimeoutError:  # socket.timeout: nothing more within the time left
                return

    def _open_producer(self) -> Producer:
        if self._producer is None:
            memory = self.settings.is_memory_broker
            self._connection = broker.connect(self.settings, confirm_publish=False)
            channel: Any = self._connection.default_channel
            exchange = broker.events_exchange(self.settings)
            exchange(channel).declare()
            if not memory:
                confirms = _Confirms()
                channel.confirm_select()
                channel.events["basic_ack"].add(confirms.ack)
                channel.events["basic_nack"].add(confirms.nack)
                self._confirms = confirms
            self._producer = Producer(channel, exchange, auto_declare=False)
        return self._producer

    def _publish(self, producer: Producer, row: Any) -> None:
        producer.publish(
            row.body,
            routing_key=row.type,
            content_type="application/cloudevents+json",
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=row.id,
        )

    def _reset_connection(self, *, broken: bool = False) -> None:
        """Close the connection, the next batch opens a new one. A `broken` one is dropped
        without the closing handshake: on a link gone silent that handshake waits forever."""
        if self._connection is not None:
            try:
                if broken:
                    self._connection.collect()
                else:
                    self._connection.release()
            except Exception:
                log.debug("closing a broken broker connection failed", exc_info=True)
        self._connection = None
        self._producer = None
        self._confirms = None

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
                    # Whatever was committed while nobody listened. Through the database: the
                    # audit sealer of this process wakes with the relay (shared/audit_sealer.py).
                    self.db.outbox_written()
                    while not stop.is_set():
                        for _ in driver.notifies(timeout=1.0):
                            self.db.outbox_written()
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
                self._reset_connection(broken=True)
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
