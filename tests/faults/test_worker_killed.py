"""A worker killed with SIGKILL in the middle of its work: after a restart, every event's effect
happens exactly once.

To kill a worker *inside* a handler, and not merely near one, the test holds a PostgreSQL table
lock (on our own test database only) that the handler's transaction needs: the worker is then
provably between the start of its transaction and its commit when the signal comes. A second
kill, in the consumer test, lands wherever the worker happens to be in a flowing load.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
import requests
from sqlalchemy import text

from tests.faults.conftest import Faults
from tests.support import bearer, wait_for

pytestmark = pytest.mark.integration
AUTHORITY = bearer("authority")
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"
# These tests hold a table lock for seconds on purpose, to catch a worker inside its
# transaction: the workers wait for it as long as it takes, not DB_LOCK_TIMEOUT (3 s).
WAIT_FOR_LOCKS = {"DB_LOCK_TIMEOUT": "0", "DB_STATEMENT_TIMEOUT": "0", "DB_REPLY_TIMEOUT": "0"}


def test_a_consumer_killed_mid_handler_and_mid_load_applies_each_event_once(
    faults: Faults,
) -> None:
    faults.env_extra.update(WAIT_FOR_LOCKS)
    faults.migrate("registry", "staffing")
    faults.web("registry")
    faults.worker("registry")
    first = faults.worker("staffing")
    faults.wait_ready(consumers=("staffing",))

    # 1. Killed inside a handler: its inbox row inserted, its upsert waiting on our lock, 19
    #    more deliveries prefetched and unacked, the rest of the 60 still on the queue.
    with faults.engine("staffing").connect() as blocker:
        blocker.execute(text("LOCK TABLE units IN SHARE MODE"))
        _register(faults, [f"kill-a-{i:02d}" for i in range(60)])
        wait_for(lambda: faults.waiting_on_a_lock("staffing") >= 1, timeout=10, interval=0.02)
        wait_for(lambda: _unpublished(faults) == 0, timeout=10, interval=0.05)
        faults.kill(first)
        blocker.rollback()
    assert _processed(faults) == 0  # nothing had committed: the first handler was the one held
    second = faults.worker("staffing")
    wait_for(lambda: _processed(faults) == 60, timeout=20, interval=0.1)

    # 2. Killed wherever it is in a busy stream: a backlog of 100 (piled up behind the lock
    #    again) being worked off at full speed, the kill a third of the way in: mid-transaction,
    #    between commit and ack, or with deliveries prefetched, as it falls.
    with faults.engine("staffing").connect() as blocker:
        blocker.execute(text("LOCK TABLE units IN SHARE MODE"))
        _register(faults, [f"kill-b-{i:02d}" for i in range(100)])
        wait_for(lambda: _unpublished(faults) == 0, timeout=10, interval=0.05)
        blocker.rollback()
    wait_for(lambda: _processed(faults) >= 60 + 30, timeout=10, interval=0.005)
    faults.kill(second)
    killed_at = _processed(faults) - 60
    assert killed_at < 100, "the kill should come while the backlog is being worked off"
    faults.worker("staffing")
    wait_for(lambda: _processed(faults) == 160, timeout=20, interval=0.1)
    time.sleep(1.0)  # a second copy still in flight would land now

    event_of = _events(faults)
    assert len(event_of) == 160
    known = faults.rows("staffing", "SELECT code, source_event_id FROM units")
    assert {row.code: row.source_event_id for row in known} == event_of
    outcomes = faults.outcomes("staffing")
    applied = Counter(
        event_id
        for (event_id, outcome), n in outcomes.items()
        if outcome == "applied"
        for _ in range(n)
    )
    assert all(n == 1 for n in applied.values()), applied  # none applied twice
    # Each event's "applied" line is written after its commit: the second kill can fall
    # between the two, for the one event the worker had in hand. Its effect is there (above);
    # the next worker then finds it taken and says "duplicate".
    unlogged = set(event_of.values()) - set(applied)
    assert len(unlogged) <= 1, unlogged
    assert all(outcomes[(event_id, "duplicate")] >= 1 for event_id in unlogged), unlogged
    assert faults.rows("staffing", "SELECT event_id, status FROM failed_events") == []
    assert faults.ns.queue_counts(faults.ns.queue_name("staffing")) == (0, 1)
    duplicates = sum(
        n for (_, outcome), n in faults.outcomes("staffing").items() if outcome == "duplicate"
    )
    print(
        f"\n[faults] consumer SIGKILLed twice: inside a handler (60 events pending), then at "
        f"{killed_at}/100 of a backlog being worked off; events=160, applied once each, lost=0, "
        f"doubled=0, redelivered copies dropped by the inbox: {duplicates}"
    )


def test_a_relay_killed_after_publishing_before_marking_sent_doubles_nothing(
    faults: Faults,
) -> None:
    faults.env_extra.update(WAIT_FOR_LOCKS)
    consumers = ("staffing", "notification")
    faults.migrate("registry", *consumers)
    faults.web("registry")
    for service in consumers:
        faults.worker(service)
    # Registry's worker starts later (its relay is the one killed): nobody consumes its queue.
    faults.wait_ready(consumers=consumers, unconsumed=("registry",))
    codes = [f"relay-{i:02d}" for i in range(40)]
    _register(faults, codes)  # registry's worker is not running yet: 40 events wait
    assert _unpublished(faults) == 40

    with faults.engine("registry").connect() as blocker:
        # The relay may claim its rows (FOR UPDATE) and publish them, but not mark them sent.
        blocker.execute(text("LOCK TABLE outbox IN SHARE MODE"))
        relay = faults.worker("registry")
        wait_for(lambda: faults.waiting_on_a_lock("registry") >= 1, timeout=15, interval=0.02)
        # Published and confirmed: the consumers apply all 40 while the relay waits to mark them.
        wait_for(lambda: all(_processed(faults, s) == 40 for s in consumers), timeout=15)
        faults.kill(relay)
        blocker.rollback()
    assert _unpublished(faults) == 40  # the kill came before the relay's commit
    faults.worker("registry")  # publishes all 40 again
    wait_for(lambda: _unpublished(faults) == 0, timeout=15, interval=0.05)
    wait_for(
        lambda: all(_outcome(faults, s, "duplicate") >= 40 for s in consumers),
        timeout=15,
        interval=0.1,
    )
    time.sleep(0.5)

    event_of = _events(faults)
    ids = list(event_of.values())
    for service in consumers:
        assert _processed(faults, service) == 40
        assert _outcome(faults, service, "applied") == 40
        assert faults.rows(service, "SELECT event_id FROM failed_events") == []
    known = faults.rows("staffing", "SELECT code, source_event_id FROM units")
    assert {row.code: row.source_event_id for row in known} == event_of
    notices = faults.rows(
        "notification",
        "SELECT event_id, recipient FROM notices WHERE event_id = ANY(:ids)",
        ids=ids,
    )
    assert Counter((n.event_id, n.recipient) for n in notices) == {
        (event_of[code], r): 1 for code in codes for r in ("authority", f"unit:{code}")
    }
    print(
        f"\n[faults] relay SIGKILLed after publishing 40 events, before marking them sent: "
        f"re-published 40, consumers got "
        f"{ {s: _outcome(faults, s, 'duplicate') for s in consumers} } copies and dropped them; "
        f"events=40x2, lost=0, doubled=0"
    )


def _register(faults: Faults, codes: list[str]) -> None:
    with requests.Session() as session:
        for code in codes:
            _post(session, faults, code)


def _post(session: requests.Session, faults: Faults, code: str) -> None:
    body = {"code": code, "name": f"Unit {code}", "district": "河东区"}
    response = session.post(
        faults.url("registry", "/api/v1/units"), json=body, headers=AUTHORITY, timeout=10
    )
    assert response.status_code == 201, response.text


def _events(faults: Faults) -> dict[str, str]:
    rows = faults.rows(
        "registry", "SELECT id, subject FROM outbox WHERE type = :t", t=UNIT_REGISTERED
    )
    return {row.subject: row.id for row in rows}


def _processed(faults: Faults, service: str = "staffing") -> int:
    """Events applied, less the workers' own audit checkpoints (notification keeps them)."""
    own = " WHERE event_id NOT IN (SELECT event_id FROM audit_checkpoints)"
    where = own if service == "notification" else ""
    return int(faults.scalar(service, f"SELECT count(*) FROM processed_events{where}"))


def _unpublished(faults: Faults) -> int:
    return int(faults.scalar("registry", "SELECT count(*) FROM outbox WHERE published_at IS NULL"))


def _outcome(faults: Faults, service: str, outcome: str) -> int:
    return sum(n for (_, seen), n in faults.outcomes(service).items() if seen == outcome)
