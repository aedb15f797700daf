"""Broker entities, declared in one place, and the connections that reach them.

One durable topic exchange for events; per consuming service one durable queue bound to the
types it handles (a quorum queue on RabbitMQ); a fanout dead-letter exchange with one queue that
keeps what a consumer could not even decode or store, and what the queue's delivery limit
(`x-delivery-limit`) gives up on: a message that keeps coming back is dead-lettered by RabbitMQ.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from queue import Empty
from typing import Any

from amqp.exceptions import PreconditionFailed
from kombu import Connection, Exchange, Queue, binding
from kombu.transport import memory

from shared.config import Settings

log = logging.getLogger(__name__)

RETRY_POLICY = {"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2}


class _Published:
    """A count of what was put on the in-memory queues, and a condition to wait for it to move:
    the in-memory consumers sleep until something is published instead of polling."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.count = 0
        self.delivering = 0  # consumers handing a message to their callback right now

    @contextlib.contextmanager
    def delivery(self) -> Iterator[None]:
        with self._changed:
            self.delivering += 1
        try:
            yield
        finally:
            with self._changed:
                self.delivering -= 1

    def idle(self, queues: Iterable[str]) -> bool:
        """Nothing on these in-memory queues and no consumer in the middle of a message: every
        event published to them so far has been taken in (its handler committed, its message
        acked). Only the queues asked about: a dead-letter queue keeps what it has."""
        with self._changed:
            if self.delivering:
                return False
        held = memory.Channel.queues
        return not any(name in held and held[name].qsize() for name in queues)

    def notify(self) -> None:
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Until the count is no longer `seen` (something was published since), or `timeout`."""
        with self._changed:
            self._changed.wait_for(lambda: self.count != seen, timeout)


PUBLISHED = _Published()


class _WakingChannel(memory.Channel):
    """kombu's in-memory channel (the same queues, one per process), telling `PUBLISHED`."""

    def _put(self, queue: str, message: Any, **kwargs: Any) -> None:
        super()._put(queue, message, **kwargs)
        PUBLISHED.notify()

    def _put_fanout(
        self, exchange: Any, message: Any, routing_key: Any = None, **kwargs: Any
    ) -> None:
        super()._put_fanout(exchange, message, routing_key, **kwargs)
        PUBLISHED.notify()


class WakingMemoryTransport(memory.Transport):
    """kombu's in-memory transport, whose consumers wait for a publish rather than poll.

    kombu's own sleeps `polling_interval` after each empty look: at 1 s (its default) every
    event waits up to a second, at 10 ms four idle consumers keep a core busy. Here an empty
    look waits on `PUBLISHED` instead, and `polling_interval` is only the fallback.
    """

    Channel = _WakingChannel

    def drain_events(self, connection: Any, timeout: Any = None, **_: Any) -> Any:
        cycle: Any = self.cycle
        started = time.monotonic()
        while True:
            seen = PUBLISHED.count  # read before looking: a publish in between is not missed
            try:
                with PUBLISHED.delivery():  # the message leaves its queue only in here
                    cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                waited = time.monotonic() - started
                if timeout is not None and waited >= timeout:
                    raise TimeoutError() from None
                left = self.polling_interval if timeout is None else timeout - waited
                PUBLISHED.wait(seen, min(self.polling_interval, left))


# The fallback look at the in-memory queues, should a publish not reach `PUBLISHED`.
MEMORY_POLLING_INTERVAL = 1.0


def connect(settings: Settings, *, confirm_publish: bool = True) -> Connection:
    """`confirm_publish=False` for a publisher that puts its channel in confirm mode itself and
    waits for a batch's confirms at once (the outbox relay): with True, py-amqp makes every
    publish wait for its own."""
    if settings.is_memory_broker:
        return Connection(
            settings.broker_url,
            transport=WakingMemoryTransport,
            transport_options={"polling_interval": MEMORY_POLLING_INTERVAL},
        )
    return Connection(
        settings.broker_url,
        connect_timeout=5,
        heartbeat=30,
        transport_options={"confirm_publish": confirm_publish},
    )


def events_exchange(settings: Settings) -> Exchange:
    return Exchange(settings.events_exchange, type="topic", durable=True)


def dead_exchange(settings: Settings) -> Exchange:
    return Exchange(settings.dead_exchange, type="fanout", durable=True)


def service_queue(settings: Settings, event_types: Iterable[str]) -> Queue:
    exchange = events_exchange(settings)
    arguments: dict[str, Any] = {"x-dead-letter-exchange": settings.dead_exchange}
    if not settings.is_memory_broker:
        arguments["x-queue-type"] = "quorum"
        arguments["x-delivery-limit"] = settings.queue_delivery_limit
    return Queue(
        settings.queue_name,
        exchange=exchange,
        bindings=[binding(exchange, routing_key=name) for name in sorted(event_types)],
        durable=True,
        queue_arguments=arguments,
    )


def dead_queue(settings: Settings) -> Queue:
    return Queue(settings.dead_queue_name, exchange=dead_exchange(settings), durable=True)


def declare(connection: Connection, settings: Settings, event_types: Iterable[str]) -> Queue:
    """Declare every entity this service needs; safe to repeat after each reconnect. Returns
    the service's queue.

    A queue declared before its arguments changed (e.g. without `x-delivery-limit`) makes
    RabbitMQ refuse the new declaration (PRECONDITION_FAILED, which closes the channel). The
    existing queue is then used as it is, bindings brought up to date, and a warning says how
    to move it over (docs/operations.md); the `govhall-events` policy still limits deliveries.
    """
    event_types = list(event_types)
    channel = connection.channel()
    try:
        events_exchange(settings)(channel).declare()
        dead_exchange(settings)(channel).declare()
        dead_queue(settings)(channel).declare()
        queue = service_queue(settings, event_types)
        try:
            queue(channel).declare()
        except PreconditionFailed as exc:
            log.warning(
                "queue %s exists with other arguments than %s (%s); using it as it is: "
                "see docs/operations.md, 'Queue arguments'",
                queue.name,
                queue.queue_arguments,  # type: ignore[attr-defined]
                exc,
            )
            with contextlib.suppress(Exception):
                channel.close()
            channel = connection.channel()
            existing = queue(channel)
            existing.queue_declare(passive=True)
            for each in existing.bindings:
                each.bind(existing, channel=channel)
        return queue
    finally:
        with contextlib.suppress(Exception):
            channel.close()
