"""Issue 10, point 5c: commit-to-consumer-effect latency against raw kombu publish-to-consume.

The pipeline: this process registers a unit through registry's own handler
(`units.register_unit`: the row and its `unit.registered` event committed in one unit of work,
as a web request would, and from a process other than the relay's, as the web tier is). The real
workers run as their own processes (`govhall worker registry|staffing`): registry's
relay publishes the event, staffing's consumer applies it (its inbox row and its copy of the
unit, one transaction). The effect is visible when that transaction commits; a trigger on
staffing's `units` table, added to the bench database only, NOTIFYs this process at that commit.
Latency = NOTIFY received − `register_unit` returned.

The baseline: on the same broker and exchange, a quorum queue of its own, one kombu publish
(persistent, `confirm_publish=True`) of a body of the same size, consumed and acked by a kombu
consumer on its own connection. Latency = consumer callback − just before `publish`.

One message at a time. Between samples the script sleeps a random time in [0, --gap] so the
writes fall at random moments of the relay's poll cycle, as independent requests would. It
prints p50/p90/p99/max of both and the ratio of the p99s (target ≤ 10×).

    .venv/bin/python -m bench.latency [--samples 200] [--gap 0.25] [--poll-interval SECONDS]

`--poll-interval` sets the workers' OUTBOX_POLL_INTERVAL (default: the services' own, 0.2 s).
The databases, exchange, queues and processes this script creates are removed on exit, also
after an error, Ctrl-C, SIGTERM or the `--max-seconds` alarm.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.message import Message
from sqlalchemy import select

import services.registry as registry
from bench.cluster import AMQP_URL, Bench, bounded, percentile, progress, running
from services.registry.handlers import units
from shared import config
from shared.config import Settings
from shared.service import ServiceRuntime

SERVICES = ("registry", "staffing")
CHANNEL = "govhall_bench_effect"
RAW_KEY = "bench.latency.raw"

NOTIFY_TRIGGER = f"""
CREATE FUNCTION bench_notify_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', NEW.code);
    RETURN NEW;
END $$;
CREATE TRIGGER bench_notify_unit AFTER INSERT OR UPDATE ON units
    FOR EACH ROW EXECUTE FUNCTION bench_notify_unit();
"""


@dataclass
class Latencies:
    name: str
    seconds: list[float]

    def p(self, q: float) -> float:
        return percentile(self.seconds, q) * 1000


class Arrivals:
    """Keys as they arrive (from another thread), with the perf_counter of their arrival."""

    def __init__(self) -> None:
        self._seen: queue.Queue[tuple[str, float]] = queue.Queue()

    def arrived(self, key: str) -> None:
        self._seen.put((key, time.perf_counter()))

    def wait(self, key: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{key} did not arrive within {timeout}s")
            try:
                seen, at = self._seen.get(timeout=left)
            except queue.Empty:
                continue
            if seen == key:
                return at


def libpq_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def listen(url: str, arrivals: Arrivals, stop: threading.Event, ready: threading.Event) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"LISTEN {CHANNEL}")
        ready.set()
        while not stop.is_set():
            for notify in conn.notifies(timeout=0.5):
                arrivals.arrived(notify.payload)


def sample(
    name: str, samples: int, gap: float, warmup: int, once: Callable[[str], float]
) -> Latencies:
    seconds = []
    for i in range(warmup + samples):
        time.sleep(random.uniform(0, gap))
        latency = once(f"{name}-{i:05d}-{uuid.uuid4().hex[:6]}")
        if i >= warmup:
            seconds.append(latency)
    return Latencies(name, seconds)


# ---------------------------------------------------------------------------------------------
# the pipeline


def pipeline(bench: Bench, args: argparse.Namespace) -> tuple[Latencies, int]:
    ns = bench.ns
    rt = ServiceRuntime(registry.SPEC, config.load("registry", ns.settings("registry")))
    bench.migrate(SERVICES)
    # The owner makes the trigger: the runtime role may not create in the schema.
    staffing_url = ns.migrate_database_url("staffing")
    with psycopg.connect(libpq_url(staffing_url), autocommit=True) as conn:
        conn.execute(NOTIFY_TRIGGER)
    for service in SERVICES:
        bench.worker(service)
    bench.wait_workers(SERVICES)
    arrivals, stop, ready = Arrivals(), threading.Event(), threading.Event()
    listener = threading.Thread(
        target=listen, args=(libpq_url(staffing_url), arrivals, stop, ready), daemon=True
    )
    listener.start()
    ready.wait(10)

    def once(code: str) -> float:
        units.register_unit(rt.uow(actor="bench"), code=code, name="Bench unit", district="b")
        committed = time.perf_counter()
        return arrivals.wait(code, timeout=30) - committed

    try:
        result = sample("pipeline", args.samples, args.gap, args.warmup, once)
        size = _event_size(rt)
    finally:
        stop.set()
        listener.join(5)
        rt.db.dispose()
    return result, size


def _event_size(rt: ServiceRuntime) -> int:
    outbox = rt.db.table("outbox")
    with rt.db.session() as session:
        body = session.execute(select(outbox.c.body).limit(1)).scalar_one()
    return len(body.encode())


# ---------------------------------------------------------------------------------------------
# raw kombu


def raw(bench: Bench, args: argparse.Namespace, size: int) -> Latencies:
    ns = bench.ns
    exchange = Exchange(ns.exchange, type="topic", durable=True)
    bench_queue = Queue(
        f"{ns.queue_prefix}bench.latency",
        exchange=exchange,
        routing_key=RAW_KEY,
        durable=True,
        queue_arguments={"x-queue-type": "quorum"},
    )
    arrivals, stop, ready = Arrivals(), threading.Event(), threading.Event()

    def consume() -> None:
        with Connection(AMQP_URL, connect_timeout=5, heartbeat=30) as conn:

            def on_message(message: Message) -> None:
                arrivals.arrived(message.properties.get("message_id", ""))
                message.ack()

            with Consumer(conn, queues=[bench_queue], on_message=on_message, prefetch_count=20):
                ready.set()
                while not stop.is_set():
                    with contextlib.suppress(TimeoutError, OSError):
                        conn.drain_events(timeout=0.5)

    publisher = Connection(AMQP_URL, connect_timeout=5, transport_options={"confirm_publish": True})
    consumer = threading.Thread(target=consume, daemon=True)
    try:
        bench_queue(publisher.default_channel).declare()
        consumer.start()
        if not ready.wait(10):
            raise RuntimeError("the raw kombu consumer did not start")
        producer = Producer(publisher.default_channel, exchange)
        filler = "x" * max(0, size - 60)

        def once(key: str) -> float:
            body = f'{{"id": "{key}", "data": "{filler}"}}'
            started = time.perf_counter()
            producer.publish(
                body,
                routing_key=RAW_KEY,
                content_type="application/cloudevents+json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=key,
            )
            return arrivals.wait(key, timeout=30) - started

        return sample("raw", args.samples, args.gap, args.warmup, once)
    finally:
        stop.set()
        consumer.join(5)
        with contextlib.suppress(Exception):
            channel = publisher.channel()
            channel.queue_delete(bench_queue.name)
            channel.close()
        publisher.release()


# ---------------------------------------------------------------------------------------------


def report(results: list[Latencies], args: argparse.Namespace, size: int) -> None:
    poll = args.poll_interval if args.poll_interval is not None else _default_poll()
    print()
    print(
        f"{args.samples} samples each after {args.warmup} warm-up, one at a time, random gap "
        f"0–{args.gap:g} s; events of {size} bytes; workers' OUTBOX_POLL_INTERVAL {poll:g} s"
    )
    head = f"{'path':<52}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    print(head)
    print("-" * len(head))
    names = {
        "raw": "raw kombu publish → consume (confirms, quorum)",
        "pipeline": "registry commit → staffing's copy committed",
    }
    for r in results:
        print(f"{names[r.name]:<52}{r.p(50):>9.1f}{r.p(90):>9.1f}{r.p(99):>9.1f}{r.p(100):>9.1f}")
    by = {r.name: r for r in results}
    ratio = by["pipeline"].p(99) / by["raw"].p(99)
    median_ratio = by["pipeline"].p(50) / by["raw"].p(50)
    print(
        f"ratio of p99s pipeline / raw: {ratio:.1f}× (target ≤ 10×) "
        f"{'ok' if ratio <= 10 else 'ABOVE'}; ratio of p50s {median_ratio:.1f}×"
    )


def _default_poll() -> float:
    return float(os.environ.get("OUTBOX_POLL_INTERVAL", Settings.outbox_poll_interval))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=200, help="timed samples per path")
    parser.add_argument("--warmup", type=int, default=10, help="untimed samples first")
    parser.add_argument("--gap", type=float, default=0.25, help="random pause 0..GAP s between")
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=None,
        help="the workers' OUTBOX_POLL_INTERVAL in seconds (default: the services' own)",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the workers' logs")
    parser.add_argument("--max-seconds", type=int, default=900, help="give up after this long")
    args = parser.parse_args(argv)

    def measure() -> tuple[Latencies, Latencies, int]:
        with running(args.keep_logs, args.poll_interval, services=SERVICES) as bench:
            progress(f"run {bench.ns.run}: registry and staffing workers on RabbitMQ ...")
            piped, size = pipeline(bench, args)
            progress(f"pipeline p50 {piped.p(50):.1f} ms, p99 {piped.p(99):.1f} ms; raw kombu ...")
            direct = raw(bench, args, size)
            progress(f"raw p50 {direct.p(50):.1f} ms, p99 {direct.p(99):.1f} ms")
        return direct, piped, size

    measured = bounded(args.max_seconds, "the bench databases, queues and processes", measure)
    if measured is None:
        return 2
    direct, piped, size = measured
    report([direct, piped], args, size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
