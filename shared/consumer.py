"""The consuming side: the inbox, retries with back-off and dead letters, on any transport.

`Inbox` is transport-free: it takes a raw message body, applies the handler in one transaction
together with the `(consumer, event id)` row of `processed_events`, and keeps what fails in
`failed_events`, so a retry, a dead letter and a replay behave the same on RabbitMQ and on
kombu's in-memory transport. `EventWorker` (shared/event_worker.py) is the kombu adapter
around it; making a failed event's row storable is in shared/failed_rows.py.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from shared import logs, metrics
from shared.config import Settings
from shared.db import Database, insert_new
from shared.events import CloudEvent, EnvelopeError
from shared.failed_rows import (
    EVENT_ID_LENGTH,
    EVENT_TYPE_LENGTH,
    KEPT_PREFIX_BYTES,
    database_down,
    describe,
    fit_row,
    printable,
    raw_bytes,
    storable,
)
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, CloudEvent], None]
Subscriptions = Mapping[str, Handler]

UNDECODABLE = "undecodable"
# A connection the inbox handed back this recently is taken again without a ping: events come
# one after another, and the ping was a round trip of ten per event (issue 19.5).
TRUST_RECENT_SECONDS = 1.0


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    FAILED = "failed"  # kept in failed_events for a retry
    DEAD = "dead"  # kept as a dead letter
    NOT_STORED = "not_stored"  # could not be recorded (database down): leave it on the broker
    DEAD_NOT_STORED = "dead_not_stored"  # undecodable and not recorded: the broker's DLX keeps it
    DEAD_ON_BROKER = "dead_on_broker"  # too large: a truncated copy kept, the whole on the DLX


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
        with self.db.trusting_recent(TRUST_RECENT_SECONDS) as trust:
            try:
                return self._apply_once(event, handler)
            except DBAPIError as exc:
                if not (exc.connection_invalidated and trust.skipped):
                    raise
        # The connection taken without a ping had died since: what the ping would have found.
        # Again on a pinged one; should the first have committed, the inbox row says duplicate.
        log.info("%s: a connection had died since its last use; applying again", self.consumer)
        return self._apply_once(event, handler)

    def _apply_once(self, event: CloudEvent, handler: Handler) -> Outcome:
        with self._uow(event) as uow:
            outcome = self._apply_in(uow, event, handler)
            uow.commit()
        return outcome

    def _apply_in(self, uow: UnitOfWork, event: CloudEvent, handler: Handler) -> Outcome:
        # One statement takes the event or finds it taken (ON CONFLICT DO NOTHING): no failing
        # insert, so no savepoint to keep the transaction usable after a duplicate.
        row = {"consumer": self.consumer, "event_id": event.id, "processed_at": utcnow()}
        if not insert_new(uow.session, self.processed, ("consumer", "event_id"), row):
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
            "last_error": describe(exc),
            "first_failed_at": now,
            "next_attempt_at": None if dead else now + self.backoff(1),
            "updated_at": now,
        }
        stored = self._insert_failed(fit_row(values))
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
        raw = raw_bytes(body)
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
        stored = self._insert_failed(fit_row(values))
        if stored == "refused":
            return self._keep_sanitised(values, "the undecodable message could not be stored")
        if stored == "down":
            return Outcome.DEAD_NOT_STORED
        if stored == "stored":
            metrics.EVENTS_DEAD_LETTERED.labels(self.consumer, UNDECODABLE).inc()
        return Outcome.DEAD_ON_BROKER if too_large else Outcome.DEAD

    def _keep_sanitised(self, values: dict[str, Any], why: str) -> Outcome:
        raw = raw_bytes(values["body"])
        safe = {
            **values,
            "event_id": "sha256:" + hashlib.sha256(raw).hexdigest(),
            "event_type": printable(values["event_type"])[:EVENT_TYPE_LENGTH],
            "body": "base64:" + base64.b64encode(raw).decode(),
            "status": "dead",
            "next_attempt_at": None,
            "last_error": printable(
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
                describe(exc)[:300],
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
        with self.db.read_session() as session:  # most rounds find nothing: no write lock
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
                    last_error=describe(exc),
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
