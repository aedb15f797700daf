"""The kombu adapter of the inbox: feeds one service's queue into its `Inbox`
(shared/consumer.py) and acks, requeues or dead-letters each message once the inbox has decided."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kombu import Connection, Consumer
from kombu.message import Message
from kombu.mixins import ConsumerMixin

from shared import broker
from shared.config import Settings
from shared.consumer import Inbox, Outcome
from shared.events import EnvelopeError
from shared.failed_rows import database_down

# The inbox's logger: the worker's lines (a lost broker, a message it could not take in) have
# always been `shared.consumer` lines, and log queries look for them there.
log = logging.getLogger("shared.consumer")

# Content encodings whose bytes are the text itself; any other (gzip, utf-16, …) we cannot read.
PLAIN_ENCODINGS = frozenset({"", "utf-8", "utf8", "binary", "ascii", "us-ascii"})


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
        if self.settings.is_memory_broker:
            # kombu looks at `should_stop` between waits of `safety_interval` (1 s): on the
            # in-memory broker a short wait costs nothing, and the hall stops at once.
            kwargs.setdefault("safety_interval", 0.05)
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
