"""The in-memory transport of the embedded mode wakes its consumers on a publish: they neither
poll every few milliseconds (a busy idle process) nor wait out a poll interval (slow events)."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection, Consumer, Exchange, Producer, Queue

from shared import broker


def _connection(polling_interval: float) -> Connection:
    return Connection(
        "memory://",
        transport=broker.WakingMemoryTransport,
        transport_options={"polling_interval": polling_interval},
    )


def test_a_waiting_consumer_is_woken_by_a_publish_not_by_its_poll() -> None:
    name = f"test-wake-{uuid.uuid4().hex[:8]}"
    exchange = Exchange(name, type="direct", durable=False)
    queue = Queue(name, exchange=exchange, routing_key=name, durable=False)
    received: list[tuple[Any, float]] = []
    waiting = threading.Event()

    def consume() -> None:
        with _connection(polling_interval=30.0) as connection:

            def got(body: Any, message: Any) -> None:
                received.append((body, time.monotonic()))
                message.ack()

            with Consumer(connection, queues=[queue], callbacks=[got]):
                waiting.set()
                connection.drain_events(timeout=60)  # returns after one delivery

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    assert waiting.wait(5)
    time.sleep(0.3)  # the consumer has looked, found nothing, and waits
    with _connection(polling_interval=30.0) as connection:
        sent = time.monotonic()
        Producer(connection.default_channel, exchange).publish(
            "hello", routing_key=name, declare=[queue]
        )
    consumer.join(5)  # a hang bound: a poll would take 30 s
    assert not consumer.is_alive()
    ((body, at),) = received
    assert body == "hello" and at - sent < 2.0


def test_an_empty_drain_still_ends_at_its_timeout() -> None:
    name = f"test-empty-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, exchange=Exchange(name, type="direct"), routing_key=name, durable=False)
    with _connection(polling_interval=30.0) as connection, Consumer(connection, queues=[queue]):
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            connection.drain_events(timeout=0.2)
        assert time.monotonic() - started < 2.0


def test_the_embedded_consumers_use_the_waking_transport_and_poll_rarely(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.config import load

    monkeypatch.setenv("VAR_DIR", str(tmp_path))  # the local keys settings make on the way

    with broker.connect(load("registry", {"broker_url": "memory://"})) as connection:
        transport = connection.transport
        assert isinstance(transport, broker.WakingMemoryTransport)
        assert transport.polling_interval >= 1.0


def test_idle_only_once_the_consumer_has_taken_in_the_message() -> None:
    """What the demo's settle waits for: queued is not idle, in the callback is not idle (the
    message has left its queue but its handler has not committed), acked is."""
    name = f"test-idle-{uuid.uuid4().hex[:8]}"
    exchange = Exchange(name, type="direct", durable=False)
    queue = Queue(name, exchange=exchange, routing_key=name, durable=False)
    in_callback, release = threading.Event(), threading.Event()
    seen_inside: list[bool] = []
    with _connection(polling_interval=30.0) as connection:
        Producer(connection.default_channel, exchange).publish(
            "hello", routing_key=name, declare=[queue]
        )
    assert not broker.PUBLISHED.idle([name])  # on its queue

    def consume() -> None:
        with _connection(polling_interval=30.0) as connection:

            def got(body: Any, message: Any) -> None:
                in_callback.set()
                release.wait(5)
                message.ack()

            with Consumer(connection, queues=[queue], callbacks=[got]):
                connection.drain_events(timeout=5)

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    assert in_callback.wait(5)
    seen_inside.append(broker.PUBLISHED.idle([name]))  # off its queue, not yet taken in
    release.set()
    consumer.join(5)
    assert seen_inside == [False]
    assert broker.PUBLISHED.idle([name])
    assert broker.PUBLISHED.idle([f"never-declared-{name}"])
