"""Broker entities, declared in one place, and the connections that reach them.

One durable topic exchange for events; per consuming service one durable queue bound to the
types it handles (a quorum queue on RabbitMQ); a fanout dead-letter exchange with one queue that
keeps what a consumer could not even decode or store, and what the queue's delivery limit
(`x-delivery-limit`) gives up on: a message that keeps coming back is dead-lettered by RabbitMQ.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from amqp.exceptions import PreconditionFailed
from kombu import Connection, Exchange, Queue, binding

from shared.config import Settings

log = logging.getLogger(__name__)

RETRY_POLICY = {"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2}


def connect(settings: Settings) -> Connection:
    if settings.is_memory_broker:
        # The in-memory transport polls once a second by default: every event would take one.
        return Connection(settings.broker_url, transport_options={"polling_interval": 0.01})
    return Connection(
        settings.broker_url,
        connect_timeout=5,
        heartbeat=30,
        transport_options={"confirm_publish": True},
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
