"""RabbitMQ gone and back (through the broker proxy, see conftest) while registry takes writes.

Timeline of one run: 100 unit registrations at a steady pace; after the 25th the broker is gone
(every AMQP connection reset, new ones refused) for 3 s; after the 70th every connection is
reset once more, while the backlog is flowing, so messages in flight and unacked deliveries are
cut off mid-way. Expected: every write 201 and fast (requests never touch the broker), and once
the broker is back every consumer has every unit exactly once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import requests

from tests.faults.conftest import Faults
from tests.support import bearer, wait_for

pytestmark = pytest.mark.integration
AUTHORITY = bearer("authority")
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"
WRITES = 100
CONSUMERS = ("staffing", "inspection", "notification")


def test_broker_cut_during_100_writes_loses_and_doubles_nothing(faults: Faults) -> None:
    faults.migrate("registry", *CONSUMERS)
    faults.web("registry")
    for service in ("registry", *CONSUMERS):
        faults.worker(service)
    faults.wait_ready(consumers=CONSUMERS)

    statuses: list[int] = []
    latencies: list[float] = []

    def write_all() -> None:
        with requests.Session() as session:
            for i in range(WRITES):
                body = {"code": f"cut-{i:03d}", "name": f"Unit {i}", "district": "和平区"}
                began = time.monotonic()
                response = session.post(
                    faults.url("registry", "/api/v1/units"),
                    json=body,
                    headers=AUTHORITY,
                    timeout=10,
                )
                latencies.append(time.monotonic() - began)
                statuses.append(response.status_code)
                time.sleep(0.12)  # about 14 s of writes: before, during and after the outage

    writer = threading.Thread(target=write_all)
    writer.start()
    try:
        wait_for(lambda: len(statuses) >= 25, timeout=20, interval=0.01)
        cut_first = faults.broker.refuse()
        time.sleep(0.5)
        ready = requests.get(faults.url("registry", "/readyz"), timeout=10).json()
        time.sleep(2.5)
        written_while_down = len(statuses) - 25
        faults.broker.resume()
        resumed = time.monotonic()
        # The second cut while the backlog flows: every consumer back on its queue, the relay
        # publishing again, writes still coming.
        wait_for(lambda: all(faults.consumers_on(s) == 1 for s in CONSUMERS), timeout=10)
        wait_for(lambda: _published(faults) > 25 + 5, timeout=10, interval=0.02)
        in_flight_at_second_cut = len(statuses)
        recovered_in = time.monotonic() - resumed
        cut_second = faults.broker.cut()
    finally:
        writer.join(30)

    assert statuses == [201] * WRITES
    assert written_while_down >= 20, "the outage should have covered a good share of the writes"
    assert max(latencies) < 2.0, f"a write waited for the broker: {max(latencies):.2f}s"
    assert ready["status"] == "degraded" and ready["checks"]["database"] == "ok"
    assert cut_first >= 4 and cut_second >= 4  # relay + three consumers at least, each time
    assert in_flight_at_second_cut < WRITES  # the second cut came while writes still ran

    outbox = faults.rows(
        "registry", "SELECT id, subject FROM outbox WHERE type = :type", type=UNIT_REGISTERED
    )
    event_of = {row.subject: row.id for row in outbox}
    assert sorted(event_of) == [f"cut-{i:03d}" for i in range(WRITES)]
    ids = list(event_of.values())

    def processed(service: str) -> int:
        return int(
            faults.scalar(
                service,
                "SELECT count(*) FROM processed_events"
                " WHERE consumer = :c AND event_id = ANY(:ids)",
                c=service,
                ids=ids,
            )
        )

    def settled() -> bool:
        return _published(faults) == WRITES and [processed(s) for s in CONSUMERS] == [WRITES] * 3

    wait_for(settled, timeout=25, interval=0.25)
    time.sleep(1.0)  # a second copy still in flight would land now
    counts = {s: faults.ns.queue_counts(faults.ns.queue_name(s)) for s in CONSUMERS}
    assert counts == {s: (0, 1) for s in CONSUMERS}  # all taken and acked

    # staffing and inspection: each unit once, learned from the very event registry wrote.
    for service in ("staffing", "inspection"):
        known = faults.rows(service, "SELECT code, source_event_id FROM units")
        assert {row.code: row.source_event_id for row in known} == event_of
    # notification: one inbox notice per recipient per event (a second would be a double).
    notices = faults.rows(
        "notification", "SELECT event_id, recipient FROM notices WHERE channel = 'inbox'"
    )
    expected = {(event_of[code], r) for code in event_of for r in ("authority", f"unit:{code}")}
    assert Counter((n.event_id, n.recipient) for n in notices) == dict.fromkeys(expected, 1)
    for service in ("registry", *CONSUMERS):
        assert faults.rows(service, "SELECT event_id, status FROM failed_events") == []

    # What the outage did on the wire: copies the inboxes recognised and dropped.
    applied = {s: _count(faults, s, "applied", ids) for s in CONSUMERS}
    assert applied == dict.fromkeys(CONSUMERS, WRITES)  # each event's effect applied once
    duplicates = {s: _count(faults, s, "duplicate", ids) for s in CONSUMERS}
    print(
        f"\n[faults] writes={WRITES} (201: {statuses.count(201)}, {written_while_down} while "
        f"the broker was gone, relay and consumers back {recovered_in:.1f}s after it, "
        f"slowest {max(latencies) * 1000:.0f} ms), events={WRITES}x"
        f"{len(CONSUMERS)}, lost=0, doubled=0, redelivered copies dropped by the inbox: "
        f"{duplicates}, connections cut: {cut_first}+{cut_second}"
    )


def _published(faults: Faults) -> int:
    return int(
        faults.scalar("registry", "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")
    )


def _count(faults: Faults, service: str, outcome: str, ids: list[str]) -> int:
    wanted = set(ids)
    return sum(
        times
        for (event_id, seen), times in faults.outcomes(service).items()
        if seen == outcome and event_id in wanted
    )
