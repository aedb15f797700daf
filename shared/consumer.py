"""The consuming side: the inbox, retries with back-off and dead letters, on any transport.

`Inbox` is transport-free: it takes a raw message body, applies the handler in one transaction
together with the `(consumer, event id)` row of `processed_events`, and keeps what fails in
`failed_events`, so a retry, a dead letter and a replay behave the same on RabbitMQ and on
kombu's in-memory transport. `EventWorker` is the kombu adapter around it.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kombu import Connection, Consumer
from kombu.message import Message
from kombu.mixins import ConsumerMixin
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared import broker, logs, metrics
from shared.config import Settings
from shared.db import Database, UnitOfWork, utcnow
from shared.events import CloudEvent, EnvelopeError

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, CloudEvent], None]
Subscriptions = Mapping[str, Handler]

UNDECODABLE = "undecodable"


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    FAILED = "failed"  # kept in failed_events for a retry
    DEAD = "dead"  # kept as a dead letter
    NOT_STORED = "not_stored"  # could not be recorded (database down): leave it on the broker
    DEAD_NOT_STORED = "dead_not_stored"  # undecodable and not recorded: the broker's DLX keeps it


@dataclass(frozen=True)
class FailedEvent:
    id: int
    consumer: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_error: str
    first_failed_at: datetime
    next_attempt_at: datetime | None
    updated_at: datetime
    body: str


def handler_for(subscriptions: Subscriptions, event_type: str) -> Handler | None:
    """The handler of an event type: its own, else a topic pattern's ("govhall.#" takes every
    event, for a subscriber such as webhooks that forwards whatever integrators ask for)."""
    exact = subscriptions.get(event_type)
    if exact is not None:
        return exact
    for pattern, handler in subscriptions.items():
        if pattern.endswith(".#") and event_type.startswith(pattern[:-1]):
            return handler
    return None


class Inbox:
    def __init__(self, db: Database, settings: Settings, subscriptions: Subscriptions) -> None:
        self.db = db
        self.settings = settings
        self.consumer = settings.service
        self.subscriptions = subscriptions
        self.processed: Table = db.table("processed_events")
        self.failed: Table = db.table("failed_events")

    # -- taking a message in -------------------------------------------------------------------
    def receive(self, body: str | bytes) -> Outcome:
        try:
            event = CloudEvent.from_json(body)
        except EnvelopeError as exc:
            log.warning("%s got a message that is no event: %s", self.consumer, exc)
            return self._keep_undecodable(storable(body), exc)
        text = body.decode() if isinstance(body, bytes) else body
        handler = handler_for(self.subscriptions, event.type)
        if handler is None:
            # On our queue, yet nothing here handles it: a stray publish, a producer's bug, or
            # a binding left from a type we no longer take. Kept as a dead letter (listed,
            # replayable once a handler exists), never acked away unseen.
            with self._log_context(event):
                log.warning("%s has no handler for %s", self.consumer, event.type)
                unhandled = LookupError(f"{self.consumer} does not handle {event.type}")
                return self._record_failure(event, text, unhandled, dead=True)
        with self._log_context(event):
            started = time.perf_counter()
            try:
                outcome = self.apply(event, handler)
            except Exception as exc:
                log.warning("%s failed to handle %s: %s", self.consumer, event.type, exc)
                return self._record_failure(event, text, exc)
            _log_handled(event, outcome, started)
        metrics.EVENTS_CONSUMED.labels(self.consumer, event.type, outcome.value).inc()
        return outcome

    def _log_context(self, event: CloudEvent) -> AbstractContextManager[None]:
        # The same correlation id as the events the handler emits (see _uow).
        return logs.context(
            service=self.consumer,
            correlation_id=event.correlationid or event.id,
            event_id=event.id,
            event_type=event.type,
            actor=event.actor,
        )

    def apply(self, event: CloudEvent, handler: Handler) -> Outcome:
        """The handler's effects and the inbox row commit together, or not at all."""
        with self._uow(event) as uow:
            outcome = self._apply_in(uow, event, handler)
            uow.commit()
        return outcome

    def _apply_in(self, uow: UnitOfWork, event: CloudEvent, handler: Handler) -> Outcome:
        try:
            # A savepoint, so a duplicate leaves the transaction usable (PostgreSQL aborts it).
            with uow.session.begin_nested():
                uow.session.execute(
                    insert(self.processed).values(
                        consumer=self.consumer, event_id=event.id, processed_at=utcnow()
                    )
                )
        except IntegrityError:
            return Outcome.DUPLICATE
        handler(uow, event)
        return Outcome.APPLIED

    def _uow(self, event: CloudEvent) -> UnitOfWork:
        return UnitOfWork(
            self.db,
            source=f"/govhall/{self.consumer}",
            actor=event.actor,
            correlation_id=event.correlationid or event.id,
            causation_id=event.id,
            action=f"apply {event.type}",
            target=event.subject or "",
        )

    # -- failures ------------------------------------------------------------------------------
    def backoff(self, attempts: int) -> timedelta:
        delay = self.settings.retry_base_delay * (2 ** max(attempts - 1, 0))
        return timedelta(seconds=min(delay, self.settings.retry_max_delay))

    def _record_failure(
        self, event: CloudEvent, body: str, exc: Exception, *, dead: bool = False
    ) -> Outcome:
        now = utcnow()
        dead = dead or self.settings.consumer_max_attempts <= 1
        values = {
            "consumer": self.consumer,
            "event_id": event.id,
            "event_type": event.type,
            "body": body,
            "status": "dead" if dead else "retrying",
            "attempts": 1,
            "last_error": _describe(exc),
            "first_failed_at": now,
            "next_attempt_at": None if dead else now + self.backoff(1),
            "updated_at": now,
        }
        try:
            with self.db.session() as session, session.begin():
                session.execute(insert(self.failed).values(**values))
        except IntegrityError:
            return Outcome.FAILED  # a redelivery of an event already kept: it is on its way
        except Exception:
            log.exception("could not keep the failed event %s", event.id)
            return Outcome.NOT_STORED
        counter = metrics.EVENTS_DEAD_LETTERED if dead else metrics.EVENTS_RETRIED
        counter.labels(self.consumer, event.type).inc()
        return Outcome.DEAD if dead else Outcome.FAILED

    def _keep_undecodable(self, body: str, exc: Exception) -> Outcome:
        now = utcnow()
        digest = "sha256:" + hashlib.sha256(body.encode()).hexdigest()[:64]
        try:
            with self.db.session() as session, session.begin():
                session.execute(
                    insert(self.failed).values(
                        consumer=self.consumer,
                        event_id=digest[:100],
                        event_type=UNDECODABLE,
                        body=body,
                        status="dead",
                        attempts=1,
                        last_error=str(exc),
                        first_failed_at=now,
                        next_attempt_at=None,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            return Outcome.DEAD
        except Exception:
            log.exception("could not keep an undecodable message")
            return Outcome.DEAD_NOT_STORED
        metrics.EVENTS_DEAD_LETTERED.labels(self.consumer, UNDECODABLE).inc()
        return Outcome.DEAD

    # -- the sweep and the operators' replay ---------------------------------------------------
    def retry_due(self, limit: int = 50) -> int:
        """Try again every failed event whose back-off has passed; returns how many were tried."""
        query = (
            select(self.failed.c.id)
            .where(self.failed.c.status == "retrying", self.failed.c.next_attempt_at <= utcnow())
            .order_by(self.failed.c.next_attempt_at)
            .limit(limit)
        )
        with self.db.session() as session:
            due = list(session.execute(query).scalars())
        for failed_id in due:
            self.retry(failed_id, replay=False)
        return len(due)

    def retry(self, failed_id: int, *, replay: bool) -> FailedEvent | None:
        """Apply a kept event again; None when it succeeded, else the kept event as it is now.

        A replay is an operator's and revives a dead letter. The failed row is claimed by a
        conditional delete in the handler's own transaction, so two sweeps never apply it twice.
        """
        kept = self.get(failed_id)
        if kept is None or kept.event_type == UNDECODABLE:
            return kept
        if not replay and kept.status != "retrying":
            return kept
        try:
            event = CloudEvent.from_json(kept.body)
        except EnvelopeError as exc:
            self._failed_again(kept, exc, replay=replay)
            return self.get(failed_id)
        with self._log_context(event):
            return self._retry(kept, event, replay=replay)

    def _retry(self, kept: FailedEvent, event: CloudEvent, *, replay: bool) -> FailedEvent | None:
        failed_id = kept.id
        started = time.perf_counter()
        try:
            handler = handler_for(self.subscriptions, event.type)
            if handler is None:
                raise LookupError(f"{self.consumer} no longer handles {event.type}")
            with self._uow(event) as uow:
                claimed = uow.session.execute(
                    delete(self.failed).where(
                        self.failed.c.id == kept.id,
                        self.failed.c.status == kept.status,
                        self.failed.c.attempts == kept.attempts,
                    )
                )
                if claimed.rowcount == 0:  # type: ignore[attr-defined]
                    return self.get(failed_id)
                outcome = self._apply_in(uow, event, handler)
                uow.commit()
        except Exception as exc:
            log.warning("%s failed again to handle %s: %s", self.consumer, event.type, exc)
            self._failed_again(kept, exc, replay=replay)
            return self.get(failed_id)
        _log_handled(event, outcome, started, attempt=kept.attempts + 1)
        metrics.EVENTS_CONSUMED.labels(self.consumer, event.type, outcome.value).inc()
        return None

    def _failed_again(self, kept: FailedEvent, exc: Exception, *, replay: bool) -> None:
        attempts = kept.attempts + 1
        dead = replay or attempts >= self.settings.consumer_max_attempts
        now = utcnow()
        with self.db.session() as session, session.begin():
            session.execute(
                update(self.failed)
                .where(self.failed.c.id == kept.id)
                .values(
                    attempts=attempts,
                    status="dead" if dead else "retrying",
                    last_error=_describe(exc),
                    next_attempt_at=None if dead else now + self.backoff(attempts),
                    updated_at=now,
                )
            )
        if dead and kept.status != "dead":
            metrics.EVENTS_DEAD_LETTERED.labels(self.consumer, kept.event_type).inc()
        elif not dead:
            metrics.EVENTS_RETRIED.labels(self.consumer, kept.event_type).inc()

    def get(self, failed_id: int) -> FailedEvent | None:
        with self.db.session() as session:
            return self.get_in(session, failed_id)

    def get_in(self, session: Any, failed_id: int) -> FailedEvent | None:
        row = session.execute(select(self.failed).where(self.failed.c.id == failed_id)).first()
        return FailedEvent(**row._mapping) if row else None

    def list(self, status: str | None, after: int, limit: int) -> list[FailedEvent]:
        query = select(self.failed).where(self.failed.c.id > after).order_by(self.failed.c.id)
        if status:
            query = query.where(self.failed.c.status == status)
        with self.db.session() as session:
            rows = session.execute(query.limit(limit)).all()
        return [FailedEvent(**row._mapping) for row in rows]


def _log_handled(
    event: CloudEvent, outcome: Outcome, started: float, attempt: int | None = None
) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    extra = {"outcome": outcome.value, "duration_ms": duration_ms, "attempt": attempt}
    log.info("handled %s: %s", event.type, outcome.value, extra=extra)


def storable(body: str | bytes) -> str:
    """A message body as text a database keeps: base64 when it is not clean UTF-8."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        return "base64:" + base64.b64encode(raw).decode()
    return text


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


class EventWorker(ConsumerMixin):
    """Feeds one service's queue into its inbox; acks only after the inbox has decided."""

    def __init__(self, inbox: Inbox, settings: Settings) -> None:
        self.inbox = inbox
        self.settings = settings
        self.connection: Connection = broker.connect(settings)
        self.ready = threading.Event()

    def get_consumers(self, consumer_cls: Callable[..., Consumer], channel: Any) -> list[Consumer]:
        # Re-run after every reconnect: the broker may have lost non-durable state.
        queue = broker.service_queue(self.settings, self.inbox.subscriptions)
        broker.declare(channel, self.settings, self.inbox.subscriptions)
        self.ready.set()
        return [consumer_cls(queues=[queue], on_message=self.on_message, prefetch_count=20)]

    def establish_connection(self) -> Any:
        # kombu's own back-off grows to 30 s; a short outage must stay a short pause.
        return _capped_connection(self)

    def on_message(self, message: Message) -> None:
        outcome = self.inbox.receive(message.body)
        if outcome is Outcome.DEAD_NOT_STORED and not self.settings.is_memory_broker:
            message.reject(requeue=False)  # to the dead-letter exchange, which keeps it
        elif outcome in (Outcome.NOT_STORED, Outcome.DEAD_NOT_STORED):
            time.sleep(0.5)  # the database is down: wait before taking the message again
            message.requeue()
        else:
            message.ack()

    def on_connection_error(self, exc: Exception, interval: float) -> None:
        log.warning(
            "%s lost the broker (%s); retrying in %.1fs", self.settings.service, exc, interval
        )


class _capped_connection:
    def __init__(self, worker: EventWorker) -> None:
        self.worker = worker
        self.conn: Connection | None = None

    def __enter__(self) -> Connection:
        self.conn = self.worker.create_connection()
        self.conn.ensure_connection(
            self.worker.on_connection_error,
            self.worker.connect_max_retries,
            interval_start=0.2,
            interval_step=0.5,
            interval_max=self.worker.settings.broker_max_reconnect_delay,
        )
        return self.conn

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.release()
