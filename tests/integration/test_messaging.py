"""Outbox, relay and inbox on the real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import pytest
from kombu import Connection, Consumer, Producer, Queue
from sqlalchemy import func, select

from services.registry.handlers import units as registry
from services.staffing.adapters import consumers as staffing_consumers
from shared import broker
from shared.consumer import Outcome
from shared.outbox import PublishNotConfirmed, Relay
from shared.service import ServiceRuntime, WorkerThreads
from tests.faults.proxy import TcpProxy
from tests.support import AMQP_URL, Namespace, unit_registered_body, wait_for

pytestmark = pytest.mark.integration
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"


def _count(rt: ServiceRuntime, table: str) -> int:
    with rt.db.session() as session:
        return int(
            session.execute(select(func.count()).select_from(rt.db.table(table))).scalar_one()
        )


def _publish_raw(ns: Namespace, body: str, routing_key: str = UNIT_REGISTERED) -> None:
    with Connection(AMQP_URL) as connection:
        Producer(connection.default_channel).publish(
            body,
            exchange=ns.exchange,
            routing_key=routing_key,
            delivery_mode=2,
        )


def test_the_same_event_delivered_twice_has_one_effect(
    namespace: Namespace, runtime: Callable[..., ServiceRuntime], monkeypatch: pytest.MonkeyPatch
) -> None:
    staffing = runtime("staffing")
    calls: list[str] = []

    def counting(uow, event) -> None:  # type: ignore[no-untyped-def]
        calls.append(event.id)
        staffing_consumers.unit_registered(uow, event)

    monkeypatch.setitem(staffing_consumers.SUBSCRIPTIONS, UNIT_REGISTERED, counting)
    worker = WorkerThreads(staffing, relay=False)
    worker.start()
    try:
        assert worker.wait_ready()
        body = unit_registered_body("twice", "7d1f0f7e-1111-4c1e-9e55-000000000001")
        _publish_raw(namespace, body)
        _publish_raw(namespace, body)
        wait_for(lambda: _count(staffing, "processed_events") == 1)
        wait_for(lambda: _consumed(staffing, "duplicate") >= 1)
    finally:
        worker.shutdown()
    assert calls == ["7d1f0f7e-1111-4c1e-9e55-000000000001"]
    assert _count(staffing, "units") == 1


def _consumed(rt: ServiceRuntime, outcome: str) -> float:
    from prometheus_client import REGISTRY

    value = REGISTRY.get_sample_value(
        "govhall_events_consumed_total",
        {"service": rt.spec.name, "type": UNIT_REGISTERED, "outcome": outcome},
    )
    return value or 0.0


def test_a_failing_handler_is_dead_lettered_then_replayed_once(
    namespace: Namespace, runtime: Callable[..., ServiceRuntime], monkeypatch: pytest.MonkeyPatch
) -> None:
    staffing = runtime("staffing", consumer_max_attempts=3, retry_base_delay=0.05)
    attempts: list[str] = []

    def broken(uow, event) -> None:  # type: ignore[no-untyped-def]
        attempts.append(event.id)
        raise RuntimeError("unit table locked")

    monkeypatch.setitem(staffing_consumers.SUBSCRIPTIONS, UNIT_REGISTERED, broken)
    worker = WorkerThreads(staffing, relay=False)
    worker.start()
    try:
        assert worker.wait_ready()
        _publish_raw(
            namespace, unit_registered_body("doomed", "7d1f0f7e-2222-4c1e-9e55-000000000002")
        )
        dead = wait_for(lambda: staffing.inbox.list("dead", 0, 10), timeout=10)
    finally:
        worker.shutdown()
    assert len(attempts) == 3 and dead[0].attempts == 3
    assert _count(staffing, "units") == 0

    monkeypatch.setitem(
        staffing_consumers.SUBSCRIPTIONS, UNIT_REGISTERED, staffing_consumers.unit_registered
    )
    assert staffing.inbox.retry(dead[0].id, replay=True) is None
    assert staffing.inbox.retry(dead[0].id, replay=True) is None  # gone: nothing to apply
    assert _count(staffing, "units") == 1
    assert _count(staffing, "processed_events") == 1
    assert staffing.inbox.list(None, 0, 10) == []


def test_an_undecodable_message_is_kept(
    namespace: Namespace, runtime: Callable[..., ServiceRuntime]
) -> None:
    staffing = runtime("staffing")
    worker = WorkerThreads(staffing, relay=False)
    worker.start()
    try:
        assert worker.wait_ready()
        _publish_raw(namespace, "\x00\x01 garbage")
        kept = wait_for(lambda: staffing.inbox.list("dead", 0, 10))
    finally:
        worker.shutdown()
    assert kept[0].event_type == "undecodable"
    assert kept[0].body == "base64:AAEgZ2FyYmFnZQ=="  # NUL bytes: kept exactly, as base64
    assert staffing.inbox.receive("\x00\x01 garbage") is Outcome.DEAD  # a redelivery: kept once
    assert len(staffing.inbox.list(None, 0, 10)) == 1


def test_two_relays_in_parallel_publish_each_event_once(
    namespace: Namespace, runtime: Callable[..., ServiceRuntime]
) -> None:
    registry_rt = runtime("registry")
    for i in range(300):
        registry.register_unit(registry_rt.uow(actor="test"), f"unit-{i:03d}", f"Unit {i}", "d")
    assert _count(registry_rt, "outbox") == 300

    seen: list[str] = []
    tap = Queue(
        f"{namespace.queue_prefix}tap",
        exchange=broker.events_exchange(registry_rt.settings),
        routing_key=UNIT_REGISTERED,
        auto_delete=True,
    )
    with Connection(AMQP_URL) as connection:
        consumer = Consumer(
            connection,
            queues=[tap],
            accept=None,
            on_message=lambda message: (
                seen.append(message.properties["message_id"]),
                message.ack(),
            ),
        )
        consumer.consume()
        relays = [registry_rt.relay(), registry_rt.relay()]
        # Small batches, so both relays are busy at once and compete for rows.
        for relay in relays:
            relay.settings = relay.settings.with_(outbox_batch_size=10)
        published: list[int] = [0, 0]

        def drain(index: int) -> None:
            while (count := relays[index].run_once()) > 0:
                published[index] += count

        threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        def all_seen() -> bool:
            with contextlib.suppress(TimeoutError):
                connection.drain_events(timeout=0.2)
            return len(seen) >= 300

        wait_for(all_seen, timeout=20, interval=0)
    assert sum(published) == 300
    assert min(published) > 0, f"one relay did all the work: {published}"
    assert len(seen) == 300 and len(set(seen)) == 300
    with registry_rt.db.session() as session:
        outbox = registry_rt.db.table("outbox")
        pending = session.execute(
            select(func.count()).where(outbox.c.published_at.is_(None))
        ).scalar_one()
    assert pending == 0


def test_a_commit_in_another_process_wakes_the_relay_without_waiting_for_its_poll(
    runtime: Callable[..., ServiceRuntime],
) -> None:
    """The web tier and the relay are different processes: the relay hears of a commit through
    PostgreSQL's NOTIFY, not its poll (set here to a minute, so only the NOTIFY can explain it)."""
    relay_side = runtime("registry", outbox_poll_interval=60.0)
    # Its own Database object and engine: the in-process wake-up cannot reach the relay.
    web_side = ServiceRuntime(relay_side.spec, relay_side.settings)
    relay = relay_side.relay()
    stop = threading.Event()
    threads = [
        threading.Thread(target=relay.listen, args=(stop,), daemon=True),
        threading.Thread(target=relay.run_forever, args=(stop,), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: not relay.wakeup.is_set(), timeout=10)  # listening, and idle
        registry.register_unit(web_side.uow(actor="test"), "notify-1", "Unit", "红桥区")
        outbox = relay_side.db.table("outbox")

        def published() -> bool:
            with relay_side.db.session() as session:
                row = session.execute(select(outbox.c.published_at)).one()
                return row.published_at is not None

        assert wait_for(published, timeout=10, interval=0.05)
    finally:
        stop.set()
        relay.wakeup.set()
        for thread in threads:
            thread.join(5)
        web_side.db.dispose()


def _pending_ids(rt: ServiceRuntime) -> list[str]:
    outbox = rt.db.table("outbox")
    with rt.db.session() as session:
        query = select(outbox.c.id).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id)
        return list(session.scalars(query))


def _tap(ns: Namespace, rt: ServiceRuntime, name: str, **arguments: object) -> Queue:
    queue = Queue(
        f"{ns.queue_prefix}{name}",
        exchange=broker.events_exchange(rt.settings),
        routing_key=UNIT_REGISTERED,
        queue_arguments={"x-expires": 60_000, **arguments},  # gone a minute after the test
    )
    with Connection(AMQP_URL) as connection:
        queue(connection.default_channel).declare()
    return queue


def _message_ids(queue: Queue) -> list[str]:
    ids = []
    with Connection(AMQP_URL) as connection:
        bound = queue(connection.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            ids.append(message.properties["message_id"])
    return ids


def _delete(queue: Queue) -> None:
    with Connection(AMQP_URL) as connection:
        queue(connection.default_channel).delete()


def test_a_nacked_batch_leaves_its_rows_pending_and_is_published_later(
    namespace: Namespace, runtime: Callable[..., ServiceRuntime]
) -> None:
    """A queue that takes nothing (x-max-length 0, overflow reject-publish) makes RabbitMQ nack
    every publish routed to it: the relay marks none of the batch sent. Once the queue is gone
    the same rows go out, and are marked."""
    rt = runtime("registry")
    for i in range(5):
        registry.register_unit(rt.uow(actor="test"), f"nack-{i}", f"Unit {i}", "d")
    ids = _pending_ids(rt)
    full = _tap(namespace, rt, "full", **{"x-max-length": 0, "x-overflow": "reject-publish"})
    relay = rt.relay()
    try:
        with pytest.raises(PublishNotConfirmed, match="5 nacked"):
            relay.run_once()
        assert _pending_ids(rt) == ids
        _delete(full)
        tap = _tap(namespace, rt, "tap")
        assert relay.run_once() == 5
        assert _pending_ids(rt) == []
        assert sorted(_message_ids(tap)) == ids
    finally:
        relay._reset_connection()


def test_unconfirmed_publishes_stay_pending_and_go_again_when_the_broker_answers(
    namespace: Namespace, runtime: Callable[..., ServiceRuntime]
) -> None:
    """The way to the broker goes silent mid-run: the batch is written, no confirm comes back
    within the relay's wait, and nothing is marked sent. When the broker is reachable again
    the rows are published again; the broker may hold some twice (they were on the wire), each
    at least once, and consumers drop the second copy by event id."""
    rt = runtime("registry")
    tap = _tap(namespace, rt, "tap")
    with TcpProxy(("127.0.0.1", 5672)) as proxy:
        amqp = urlsplit(AMQP_URL)
        netloc = amqp.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{proxy.port}"
        through_proxy = rt.settings.with_(broker_url=urlunsplit(amqp._replace(netloc=netloc)))
        relay = Relay(rt.db, rt.db.table("outbox"), through_proxy)
        relay.confirm_timeout = 1.0
        try:
            registry.register_unit(rt.uow(actor="test"), "first", "Unit", "d")
            assert relay.run_once() == 1  # connected, channel in confirm mode
            for i in range(5):
                registry.register_unit(rt.uow(actor="test"), f"silent-{i}", f"Unit {i}", "d")
            ids = _pending_ids(rt)
            proxy.silence()
            with pytest.raises(PublishNotConfirmed, match="5 unanswered"):
                relay.run_once()
            assert _pending_ids(rt) == ids
            proxy.resume()
            assert relay.run_once() == 5
            assert _pending_ids(rt) == []
        finally:
            relay._reset_connection()
    seen = _message_ids(tap)
    assert set(seen) - set(ids) == {seen[0]} and set(ids) <= set(seen)


def test_a_connection_cut_while_idle_is_reopened_within_the_batch(
    namespace: Namespace, runtime: Callable[..., ServiceRuntime]
) -> None:
    """The broker dropped the relay's idle connection (a restart, a missed heartbeat): the next
    batch finds it broken, reopens it and goes out at once, without a failure and back-off."""
    rt = runtime("registry")
    tap = _tap(namespace, rt, "tap")
    with TcpProxy(("127.0.0.1", 5672)) as proxy:
        amqp = urlsplit(AMQP_URL)
        netloc = amqp.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{proxy.port}"
        through_proxy = rt.settings.with_(broker_url=urlunsplit(amqp._replace(netloc=netloc)))
        relay = Relay(rt.db, rt.db.table("outbox"), through_proxy)
        try:
            registry.register_unit(rt.uow(actor="test"), "before-cut", "Unit", "d")
            assert relay.run_once() == 1
            assert proxy.cut() == 1
            registry.register_unit(rt.uow(actor="test"), "after-cut", "Unit", "d")
            assert relay.run_once() == 1
            assert _pending_ids(rt) == []
        finally:
            relay._reset_connection()
    assert len(_message_ids(tap)) == 2
