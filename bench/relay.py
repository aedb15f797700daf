"""Issue 10, point 5b: the outbox relay's throughput against raw kombu publishing.

Writes N events into registry's outbox through the real path (`ServiceRuntime.uow()` and
`UnitOfWork.emit`, committed in batches), then times `shared.outbox.Relay` draining them to
RabbitMQ (`run_once` until nothing is pending: claim a batch FOR UPDATE SKIP LOCKED, publish its
rows on a confirm-mode channel, wait for their confirms once, mark the confirmed rows sent,
commit). The baseline publishes the same N bodies (read from the outbox, so the same sizes,
routing keys and message ids) with plain kombu: one `Producer.publish` each, persistent, on a
connection with `confirm_publish=True`, so each publish waits for its own confirm. Both
publish to the same exchange, routed to the same quorum queue (staffing's, which takes
`unit.registered`), emptied between runs. The runs alternate which goes first; the table shows
the medians and the ratio relay / raw (target ≥ 1.0, issue 19), and the load average before
and after.

    .venv/bin/python -m bench.relay [--events 5000] [--runs 3] [--batch-size 100]

The database, exchange and queues this script creates are removed on exit, also after an error,
Ctrl-C, SIGTERM or the `--max-seconds` alarm.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from kombu import Connection, Producer
from sqlalchemy import select

import services.registry as registry
from bench.cluster import AMQP_URL, bounded, progress, running
from services.registry.contracts import units as contracts
from services.registry.domain.units import new_unit
from shared import broker, config
from shared.outbox import Relay
from shared.service import ServiceRuntime
from shared.sqltypes import utcnow
from tests.support import Namespace

SERVICE = "registry"
CONSUMER = "staffing"  # its queue is bound to registry's unit.registered
EVENT = contracts.UNIT_REGISTERED.name
TARGET = 1.0  # issue 19: the relay at least as fast as raw kombu
EMIT_BATCH = 500  # events per committed unit of work when filling the outbox


@dataclass
class Run:
    relay_seconds: float
    raw_seconds: float
    emit_seconds: float
    events: int

    @property
    def relay_rate(self) -> float:
        return self.events / self.relay_seconds

    @property
    def raw_rate(self) -> float:
        return self.events / self.raw_seconds


def runtime(ns: Namespace, batch_size: int) -> ServiceRuntime:
    settings = config.load(SERVICE, ns.settings(SERVICE)).with_(outbox_batch_size=batch_size)
    return ServiceRuntime(registry.SPEC, settings)


def declare_queue(ns: Namespace) -> None:
    """Staffing's real queue (quorum, bound to unit.registered), so every message is routed and
    confirmed only once the queue has it, as in the cluster."""
    settings = config.load(CONSUMER, ns.settings(CONSUMER))
    with Connection(AMQP_URL, connect_timeout=5) as conn:
        broker.declare(conn, settings, [EVENT])


def purge(ns: Namespace) -> int:
    with Connection(AMQP_URL, connect_timeout=5) as conn:
        channel = conn.channel()
        try:
            return int(channel.queue_purge(ns.queue_name(CONSUMER)) or 0)
        finally:
            channel.close()


def emit(rt: ServiceRuntime, n: int, tag: str) -> float:
    """N unit.registered events into the outbox through UnitOfWork.emit; returns the seconds."""
    started = time.perf_counter()
    done = 0
    while done < n:
        with rt.uow(actor="bench") as uow:
            for i in range(done, min(n, done + EMIT_BATCH)):
                unit = new_unit(f"bench-{tag}-{i:06d}", f"Bench unit {i}", "bench", utcnow())
                uow.emit(EVENT, subject=unit.code, data={**unit.__dict__, "contacts": []})
            uow.commit()
        done = min(n, done + EMIT_BATCH)
    return time.perf_counter() - started


def pending(rt: ServiceRuntime) -> list[Any]:
    outbox = rt.db.table("outbox")
    query = (
        select(outbox.c.id, outbox.c.type, outbox.c.body)
        .where(outbox.c.published_at.is_(None))
        .order_by(outbox.c.created_at, outbox.c.id)
    )
    with rt.db.session() as session:
        return list(session.execute(query).all())


def drain(relay: Relay) -> tuple[float, int]:
    started = time.perf_counter()
    published = 0
    while True:
        count = relay.run_once()
        if not count:
            break
        published += count
    return time.perf_counter() - started, published


class RawPublisher:
    """The least a confirmed, persistent kombu publish can be: one connection, one producer."""

    def __init__(self, ns: Namespace) -> None:
        self.exchange = broker.events_exchange(config.load(SERVICE, ns.settings(SERVICE)))
        self.connection = Connection(
            AMQP_URL, connect_timeout=5, transport_options={"confirm_publish": True}
        )
        self.producer = Producer(self.connection.default_channel, self.exchange)
        self.exchange(self.connection.default_channel).declare()

    def publish(self, rows: list[Any]) -> float:
        publish = self.producer.publish
        started = time.perf_counter()
        for row in rows:
            publish(
                row.body,
                routing_key=row.type,
                content_type="application/cloudevents+json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=row.id,
            )
        return time.perf_counter() - started

    def close(self) -> None:
        self.connection.release()


def one_run(
    rt: ServiceRuntime,
    relay: Relay,
    raw: RawPublisher,
    ns: Namespace,
    n: int,
    tag: str,
    raw_first: bool,
) -> Run:
    emit_seconds = emit(rt, n, tag)
    rows = pending(rt)
    if len(rows) != n:
        raise RuntimeError(f"{len(rows)} events pending, expected {n}")
    purge(ns)
    relay_seconds = raw_seconds = 0.0
    for which in ("raw", "relay") if raw_first else ("relay", "raw"):
        if which == "raw":
            raw_seconds = raw.publish(rows)
        else:
            relay_seconds, published = drain(relay)
            if published != n:
                raise RuntimeError(f"the relay published {published} events, expected {n}")
        purged = purge(ns)
        if purged != n:
            raise RuntimeError(f"the queue got {purged} messages from {which}, expected {n}")
    return Run(relay_seconds, raw_seconds, emit_seconds, n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=5000, help="events per run")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (median)")
    parser.add_argument(
        "--batch-size", type=int, default=None, help="the relay's batch (default: the setting's)"
    )
    parser.add_argument("--max-seconds", type=int, default=600, help="give up after this long")
    args = parser.parse_args(argv)
    measured = bounded(args.max_seconds, "the bench database and queues", lambda: measure(args))
    if measured is None:
        return 2
    runs, batch, size = measured
    report(runs, batch, size)
    return 0


def measure(args: argparse.Namespace) -> tuple[list[Run], int, float]:
    with running(services=[SERVICE]) as bench:
        ns = bench.ns
        default_batch = config.load(SERVICE, ns.settings(SERVICE)).outbox_batch_size
        rt = runtime(ns, args.batch_size or default_batch)
        relay = raw = None
        try:
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            progress(f"run {ns.run}: load average {load}; migrating {SERVICE} ...")
            bench.migrate([SERVICE])  # as the owner role, granting the runtime role (as deployed)
            declare_queue(ns)
            relay, raw = rt.relay(), RawPublisher(ns)
            # Warm-up: connections, prepared statements, the exchange declared on both sides.
            one_run(rt, relay, raw, ns, 200, "warm", raw_first=True)
            size = statistics.mean(len(r.body.encode()) for r in _sample(rt))
            runs = []
            for i in range(args.runs):
                run = one_run(rt, relay, raw, ns, args.events, f"r{i}", raw_first=i % 2 == 0)
                progress(
                    f"run {i + 1}: relay {run.relay_rate:,.0f} events/s, raw kombu "
                    f"{run.raw_rate:,.0f}/s → {run.relay_rate / run.raw_rate:.2f}"
                )
                runs.append(run)
            return runs, rt.settings.outbox_batch_size, size
        finally:
            if raw is not None:
                raw.close()
            if relay is not None:
                relay._reset_connection()
            rt.db.dispose()


def _sample(rt: ServiceRuntime) -> list[Any]:
    outbox = rt.db.table("outbox")
    with rt.db.session() as session:
        return list(session.execute(select(outbox.c.body).limit(100)).all())


def report(runs: list[Run], batch: int, size: float) -> None:
    relay = statistics.median(r.relay_rate for r in runs)
    raw = statistics.median(r.raw_rate for r in runs)
    emit_rate = statistics.median(r.events / r.emit_seconds for r in runs)
    n = runs[0].events
    ratio = relay / raw
    print()
    print(
        f"{n:,} events per run, {len(runs)} runs, bodies of {size:,.0f} bytes on average, "
        f"relay batch {batch}, publisher confirms on both sides, persistent, one quorum queue"
    )
    head = f"{'publisher':<40}{'events/s':>10}{'µs/event':>10}"
    print(head)
    print("-" * len(head))
    print(f"{'raw kombu publish (confirm_publish)':<40}{raw:>10,.0f}{1e6 / raw:>10.0f}")
    print(f"{'shared.outbox.Relay (drain)':<40}{relay:>10,.0f}{1e6 / relay:>10.0f}")
    print(
        f"ratio relay / raw: {ratio:.2f} (target ≥ {TARGET:.2f}) "
        f"{'ok' if ratio >= TARGET else 'BELOW'}; "
        f"per-run ratios {', '.join(f'{r.relay_rate / r.raw_rate:.2f}' for r in runs)}"
    )
    print(f"(filling the outbox through UnitOfWork.emit: {emit_rate:,.0f} events/s, not timed)")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    sys.exit(main())
