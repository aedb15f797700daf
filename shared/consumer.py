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
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared import broker, logs, metrics
from shared.config import Settings
from shared.db import Database, utcnow
from shared.events import CloudEvent, EnvelopeError
from shared.unit_of_work import UnitOfWork

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
    DEAD_ON_BROKER = "dead_on_broker"  # too large: a truncated copy kept, the whole on the DLX


# Content encodings whose bytes are the text itself; any other (gzip, utf-16, …) we cannot read.
PLAIN_ENCODINGS = frozenset({"", "utf-8", "utf8", "binary", "ascii", "us-ascii"})
# What of a message too large to parse a dead letter keeps (the whole goes to the DLX).
KEPT_PREFIX_BYTES = 64 * 1024
# Column sizes of failed_events (shared.messaging_tables).
EVENT_ID_LENGTH = 100
EVENT_TYPE_LENGTH = 200


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
        """Take one message in. Never raises for what the message holds: whatever cannot be
        decoded is kept verbatim as a dead letter (see keep_undecodable)."""
        try:
            event = CloudEvent.from_json(body, max_bytes=self.settings.consumer_max_message_bytes)
        except EnvelopeError as exc:
            return self.keep_undecodable(body, exc)
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
                    insert(self.processed),
                    {"consumer": self.consumer, "event_id": event.id, "processed_at": utcnow()},
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
        stored = self._insert_failed(_fit(values))
        if stored == "duplicate":
            return Outcome.FAILED  # a redelivery of an event already kept: it is on its way
        if stored == "down":
            return Outcome.NOT_STORED
        if stored == "refused":
            # The database is up but refuses this row: something in the message itself. Kept
            # as a dead letter with the body in base64, or else left to the broker's DLX.
            return self._keep_sanitised(values, "the failed event could not be stored as is")
        counter = metrics.EVENTS_DEAD_LETTERED if dead else metrics.EVENTS_RETRIED
        counter.labels(self.consumer, event.type).inc()
        return Outcome.DEAD if dead else Outcome.FAILED

    def keep_undecodable(self, body: str | bytes, exc: EnvelopeError) -> Outcome:
        """A message that is no event (exc.reason says why), kept verbatim as a dead letter:
        text as it came, else base64; one too large is kept truncated, and whole on the DLX."""
        log.warning("%s got a message that is no event (%s): %s", self.consumer, exc.reason, exc)
        metrics.UNDECODABLE_MESSAGES.labels(self.consumer, exc.reason).inc()
        raw = _raw(body)
        digest = "sha256:" + hashlib.sha256(raw).hexdigest()
        last_error = f"{exc.reason}: {exc}"
        too_large = len(raw) > KEPT_PREFIX_BYTES and exc.reason == "too_large"
        if too_large:
            raw = raw[:KEPT_PREFIX_BYTES]
            last_error += (
                f" [body truncated to its first {KEPT_PREFIX_BYTES} bytes;"
                " the whole message is on the broker's dead-letter queue]"
            )
        now = utcnow()
        values = {
            "consumer": self.consumer,
            "event_id": digest[:EVENT_ID_LENGTH],
            "event_type": UNDECODABLE,
            "body": storable(raw),
            "status": "dead",
            "attempts": 1,
            "last_error": last_error,
            "first_failed_at": now,
            "next_attempt_at": None,
            "updated_at": now,
        }
        stored = self._insert_failed(_fit(values))
        if stored == "refused":
            return self._keep_sanitised(values, "the undecodable message could not be stored")
        if stored == "down":
            return Outcome.DEAD_NOT_STORED
        if stored == "stored":
            metrics.EVENTS_DEAD_LETTERED.labels(self.consumer, UNDECODABLE).inc()
        return Outcome.DEAD_ON_BROKER if too_large else Outcome.DEAD

    def _keep_sanitised(self, values: dict[str, Any], why: str) -> Outcome:
        raw = _raw(values["body"])
        safe = {
            **values,
            "event_id": "sha256:" + hashlib.sha256(raw).hexdigest(),
            "event_type": _printable(values["event_type"])[:EVENT_TYPE_LENGTH],
            "body": "base64:" + base64.b64encode(raw).decode(),
            "status": "dead",
            "next_attempt_at": None,
            "last_error": _printable(
                f"{why}; kept sanitised [event id replaced by the body's digest, body in base64]"
                f" (envelope id {values['event_id']!r:.200}): {values['last_error']}"
            )[:2000],
        }
        stored = self._insert_failed(safe)
        if stored in ("stored", "duplicate"):
            if stored == "stored":
                metrics.EVENTS_DEAD_LETTERED.labels(self.consumer, safe["event_type"]).inc()
            return Outcome.DEAD
        if stored == "down":
            return Outcome.NOT_STORED
        log.error("%s could not keep a message even sanitised: to the DLX", self.consumer)
        metrics.UNDECODABLE_MESSAGES.labels(self.consumer, "not_storable").inc()
        return Outcome.DEAD_NOT_STORED

    def _insert_failed(self, values: dict[str, Any]) -> str:
        """stored, duplicate (kept already), down (the database) or refused (this row)."""
        try:
            with self.db.session() as session, session.begin():
                session.execute(insert(self.failed).values(**values))
        except IntegrityError:
            return "duplicate"
        except Exception as exc:
            if database_down(exc):
                log.warning("could not keep the failed event %s: database down", values["event_id"])
                return "down"
            log.warning(
                "the database refused the failed event %r: %s",
                str(values["event_id"])[:120],
                _describe(exc)[:300],
            )
            return "refused"
        return "stored"

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


def database_down(exc: BaseException) -> bool:
    """The database unreachable (wait and try again), not a row it refuses (the message's fault:
    a value too long, a NUL character, a bad encoding), which no retry would cure."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _raw(body: str | bytes) -> bytes:
    return body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body


def _printable(text: str) -> str:
    """Text without NUL (PostgreSQL refuses it in text) nor lone surrogates (not UTF-8)."""
    text = text.replace("\x00", "\\u0000")
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _fit(values: dict[str, Any]) -> dict[str, Any]:
    """A failed event's row made storable as far as can be without losing the message: short
    fields cut to their columns and flagged in last_error, NUL escaped, the body kept whole
    (base64 when it is not clean UTF-8)."""
    fitted = dict(values)
    flags = []
    event_id = _printable(str(values["event_id"]))
    if len(event_id) > EVENT_ID_LENGTH or event_id != values["event_id"]:
        # Not cut: two ids with one prefix would pass for one event, and one of them be lost.
        flags.append("event_id replaced by the body's digest")
        event_id = "sha256:" + hashlib.sha256(_raw(values["body"])).hexdigest()
    fitted["event_id"] = event_id
    event_type = _printable(str(values["event_type"]))
    if len(event_type) > EVENT_TYPE_LENGTH or event_type != values["event_type"]:
        flags.append("event_type truncated or escaped")
    fitted["event_type"] = event_type[:EVENT_TYPE_LENGTH]
    fitted["body"] = storable(values["body"])
    error = _printable(values["last_error"])
    if flags:
        error = f"[{'; '.join(flags)}] {error}"
    fitted["last_error"] = error[:2000]
    return fitted


class EventWorker(ConsumerMixin):
    """Feeds one service's queue into its inbox; acks only after the inbox has decided."""

    def __init__(self, inbox: Inbox, settings: Settings) -> None:
        self.inbox = inbox
        self.settings = settings
        self.connection: Connection = broker.connect(settings)
        self.ready = threading.Event()  # the queue is declared (set once, never cleared)
        self.consuming = threading.Event()  # consuming now: cleared when it stops or dies

    def get_consumers(self, consumer_cls: Callable[..., Consumer], channel: Any) -> list[Consumer]:
        # Re-run after every reconnect: the broker may have lost non-durable state.
        # On a connection of their own: a refused declaration closes its channel (see declare).
        with broker.connect(self.settings) as connection:
            queue = broker.declare(connection, self.settings, self.inbox.subscriptions)
        self.ready.set()
        return [
            consumer_cls(
                queues=[queue], on_message=self.on_message, prefetch_count=20, auto_declare=False
            )
        ]

    def on_consume_ready(self, connection: Any, channel: Any, consumers: Any, **_: Any) -> None:
        self.consuming.set()

    def on_consume_end(self, connection: Any, channel: Any) -> None:
        self.consuming.clear()

    def on_connection_error(self, exc: Exception, interval: float) -> None:
        self.consuming.clear()
        log.warning(
            "%s lost the broker (%s); retrying in %.1fs", self.settings.service, exc, interval
        )

    def run(self, _tokens: int = 1, **kwargs: Any) -> None:
        try:
            super().run(_tokens, **kwargs)
        finally:
            self.consuming.clear()

    def establish_connection(self) -> Any:
        # kombu's own back-off grows to 30 s; a short outage must stay a short pause.
        return _capped_connection(self)

    def on_message(self, message: Message) -> None:
        encoding = (message.content_encoding or "").strip().lower()
        try:
            if encoding not in PLAIN_ENCODINGS:
                problem = EnvelopeError(
                    f"content-encoding {encoding[:50]!r} is not one a consumer reads",
                    "unknown_encoding",
                )
                outcome = self.inbox.keep_undecodable(message.body, problem)
            else:
                outcome = self.inbox.receive(message.body)
        except Exception as exc:  # a bug of ours: never the death of the consumer
            log.exception("%s could not take a message in", self.settings.service)
            outcome = Outcome.NOT_STORED if database_down(exc) else Outcome.DEAD_NOT_STORED
        self._settle(message, outcome)

    def on_decode_error(self, message: Message, exc: Exception) -> None:
        """kombu could not undo the message's `compression` header. Its default acks the
        message away unseen; here it is kept verbatim (the body as it came) as a dead letter."""
        header = str((message.headers or {}).get("compression"))[:50]
        problem = EnvelopeError(
            f"compression {header!r}: {type(exc).__name__}: {str(exc)[:200]}", "unknown_encoding"
        )
        try:
            outcome = self.inbox.keep_undecodable(message.body, problem)
        except Exception as error:
            log.exception("%s could not keep an undecodable message", self.settings.service)
            outcome = Outcome.NOT_STORED if database_down(error) else Outcome.DEAD_NOT_STORED
        self._settle(message, outcome)

    def _settle(self, message: Message, outcome: Outcome) -> None:
        to_dlx = outcome in (Outcome.DEAD_NOT_STORED, Outcome.DEAD_ON_BROKER)
        if to_dlx and not self.settings.is_memory_broker:
            message.reject(requeue=False)  # to the dead-letter exchange, which keeps it
        elif outcome in (Outcome.NOT_STORED, Outcome.DEAD_NOT_STORED):
            time.sleep(0.5)  # the database is down: wait before taking the message again
            message.requeue()
        else:
            message.ack()


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
