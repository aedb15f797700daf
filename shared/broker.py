"""Broker entities, declared in one place, and the connections that reach them.

One durable topic exchange for events; per consuming service one durable queue bound to the
types it handles (a quorum queue on RabbitMQ); a fanout dead-letter exchange with one queue that
keeps what a consumer could not even decode.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kombu import Connection, Exchange, Queue, binding

from shared.config import Settings

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
    return Queue(
        settings.queue_name,
        exchange=exchange,
        bindings=[binding(exchange, routing_key=name) for name in sorted(event_types)],
        durable=True,
        queue_arguments=arguments,
    )


def dead_queue(settings: Settings) -> Queue:
    return Queue(settings.dead_queue_name, exchange=dead_exchange(settings), durable=True)


def declare(channel: Any, settings: Settings, event_types: Iterable[str]) -> None:
    """Declare every entity this service needs; safe to repeat after each reconnect."""
    events_exchange(settings)(channel).declare()
    dead_exchange(settings)(channel).declare()
    dead_queue(settings)(channel).declare()
    service_queue(settings, event_types)(channel).declare()
