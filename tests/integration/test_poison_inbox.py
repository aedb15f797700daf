"""The inbox and the worker threads against poison, on the real PostgreSQL and RabbitMQ
(issue 16, point 1): a row the database refuses is the message's fault, not an outage, and a
consumer thread that dies is started again."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from kombu import Connection, Producer
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from services.staffing.adapters import consumers as staffing_consumers
from shared.consumer import Inbox, Outcome
from shared.event_worker import EventWorker
from shared.events import CloudEvent, EnvelopeError
from shared.service import ServiceRuntime, WorkerThreads
from tests.support import AMQP_URL, Namespace, unit_registered_body, wait_for

pytestmark = pytest.mark.integration
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _failed(rt: ServiceRuntime) -> list[Any]:
    failed = rt.db.table("failed_events")
    with rt.db.session() as session:
        return list(session.execute(select(failed).order_by(failed.c.id)))


def test_a_handler_error_quoting_a_nul_is_kept_not_requeued_for_ever(
    runtime: Callable[..., ServiceRuntime],
) -> None:
    """Before: last_error held the NUL, PostgreSQL refused the row, and the message came back
    every half second for ever (NOT_STORED), as if the database were down."""
    rt = runtime("staffing")

    def refuses(uow: Any, event: CloudEvent) -> None:
        raise ValueError("cannot take name 'a\x00b'")

    inbox = Inbox(rt.db, rt.settings, {UNIT_REGISTERED: refuses})
    outcome = inbox.receive(unit_registered_body("nul", str(uuid.uuid4())))
    assert outcome is Outcome.FAILED  # kept for its retries, like any failed event
    [row] = _failed(rt)
    assert "\x00" not in row.last_error and "\\u0000" in row.last_error


def test_an_event_the_database_cannot_store_is_kept_sanitised(
    runtime: Callable[..., ServiceRuntime],
) -> None:
    """An envelope the decoder would refuse, handed to the inbox's failure path directly: the id
    is longer than its column and holds a NUL. It is kept (digest id, flagged), not lost and not
    requeued; what even that cannot store goes to the DLX (DEAD_NOT_STORED)."""
    rt = runtime("staffing", consumer_max_attempts=1)
    inbox = rt.inbox
    event = CloudEvent.from_json(unit_registered_body("long", "x"))
    for bad_id in ("x" * 300, "nul\x00id"):
        poisoned = CloudEvent(**{**event.__dict__, "id": bad_id})
        outcome = inbox._record_failure(poisoned, poisoned.to_json(), ValueError("boom"))
        assert outcome is Outcome.DEAD
    rows = _failed(rt)
    assert len(rows) == 2
    assert all(row.event_id.startswith("sha256:") for row in rows)
    assert all(row.last_error.startswith("[event_id replaced") for row in rows)
    assert "x" * 300 in rows[0].body  # the message itself kept whole
    assert rows[1].body.startswith("base64:") or "\\u0000" in rows[1].body


def test_an_undecodable_message_counts_its_class(runtime: Callable[..., ServiceRuntime]) -> None:
    rt = runtime("staffing")
    counted = {"name": "govhall_undecodable_messages_total", "service": "staffing"}
    before = _sample(**counted, reason="too_deep")
    assert rt.inbox.receive("[" * 100_000) is Outcome.DEAD
    assert _sample(**counted, reason="too_deep") == before + 1
    [row] = _failed(rt)
    assert row.body == "[" * 100_000 and row.last_error.startswith("too_deep")
    too_large = rt.inbox.keep_undecodable(b"{" * 200_000, EnvelopeError("big", "too_large"))
    assert too_large is Outcome.DEAD_ON_BROKER  # rejected to the DLX, which keeps it whole
    kept = _failed(rt)[-1]
    assert len(kept.body) == 64 * 1024 and "truncated" in kept.last_error


def test_a_consumer_thread_that_dies_is_started_again(
    namespace: Namespace, runtime: Callable[..., ServiceRuntime]
) -> None:
    """Before: the thread died (here a RecursionError, as 100,000 `[` once raised) and the
    process stayed up with nobody on the queue."""
    staffing = runtime("staffing")
    worker = WorkerThreads(staffing, relay=False)
    consumer = worker.consumer
    assert consumer is not None
    calls: list[str] = []

    def dies_once(message: Any) -> None:
        calls.append("called")
        if len(calls) == 1:
            raise RecursionError("maximum recursion depth exceeded")
        EventWorker.on_message(consumer, message)

    consumer.on_message = dies_once  # type: ignore[method-assign]
    restarts = {"name": "govhall_worker_thread_restarts_total", "service": "staffing"}
    before = _sample(**restarts, thread="consumer")
    worker.start()
    try:
        assert worker.wait_ready()
        queue = staffing.settings.queue_name
        wait_for(lambda: (namespace.queue_counts(queue) or (0, 0))[1] == 1, timeout=10)
        with Connection(AMQP_URL) as connection:
            Producer(connection.default_channel).publish(
                unit_registered_body("revived", str(uuid.uuid4())),
                routing_key=staffing.settings.queue_name,
                delivery_mode=2,
            )
        units = staffing.db.table("units")

        def applied() -> bool:
            with staffing.db.session() as session:
                query = select(func.count()).select_from(units).where(units.c.code == "revived")
                return bool(session.execute(query).scalar_one())

        wait_for(applied, timeout=15)
        assert len(calls) == 2  # the same message, redelivered to the restarted consumer
        assert _sample(**restarts, thread="consumer") == before + 1
        assert consumer.consuming.is_set()
    finally:
        worker.shutdown()
    assert not consumer.consuming.is_set()
    assert staffing_consumers.SUBSCRIPTIONS  # the real handlers applied it


def test_a_queue_declared_before_the_delivery_limit_is_used_as_it_is(
    namespace: Namespace,
    runtime: Callable[..., ServiceRuntime],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """RabbitMQ refuses to re-declare a queue with other arguments (PRECONDITION_FAILED): the
    worker must keep consuming from the queue an earlier version declared, not die on it."""
    staffing = runtime("staffing")
    queue = staffing.settings.queue_name
    old = {"x-dead-letter-exchange": staffing.settings.dead_exchange, "x-queue-type": "quorum"}
    with Connection(AMQP_URL) as connection:
        connection.channel().queue_declare(queue, durable=True, auto_delete=False, arguments=old)
    caplog.set_level(logging.WARNING, logger="shared.broker")
    worker = WorkerThreads(staffing, relay=False)
    worker.start()
    try:
        assert worker.wait_ready()
        _publish_to_exchange(namespace, unit_registered_body("legacy", str(uuid.uuid4())))
        wait_for(lambda: _has_unit(staffing, "legacy"), timeout=15)
    finally:
        worker.shutdown()
    assert "exists with other arguments" in caplog.text


def _publish_to_exchange(ns: Namespace, body: str) -> None:
    """Through the events exchange: the binding the worker added to the old queue routes it."""
    with Connection(AMQP_URL) as connection:
        Producer(connection.default_channel).publish(
            body, exchange=ns.exchange, routing_key=UNIT_REGISTERED, delivery_mode=2
        )


def _has_unit(rt: ServiceRuntime, code: str) -> bool:
    units = rt.db.table("units")
    with rt.db.session() as session:
        query = select(func.count()).select_from(units).where(units.c.code == code)
        return bool(session.execute(query).scalar_one())
