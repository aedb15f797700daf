"""PostgreSQL gone and back (through the database proxy, see conftest) while registry takes writes.

Registry's web tier and worker and staffing's worker all reach PostgreSQL through the proxy (one
server for every service, as in production). After the 30th of 100 unit registrations every
database connection is reset and new ones are refused for 3 s. Expected: while it is gone each
request fails fast with a 503 problem document and a `Retry-After` header, never a 500 and
never a hang; nothing is half written (each unit has exactly its one event in the outbox); and
once the proxy forwards again the same processes serve, relay and consume, none restarted.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import text

from tests.faults.conftest import Faults
from tests.support import bearer, wait_for

pytestmark = pytest.mark.integration
AUTHORITY = bearer("authority")
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"
WRITES = 100
OUTAGE = 3.0
HELD_KEY = "faults-pg-held-1"


@dataclass
class Answer:
    code: str
    status: int
    seconds: float
    content_type: str
    retry_after: str | None
    body: dict
    at: float  # when the answer came (monotonic)


def test_database_cut_fails_fast_with_503_and_recovers_without_restart(faults: Faults) -> None:
    faults.migrate("registry", "staffing")
    faults.web("registry")
    registry_worker = faults.worker("registry")
    staffing_worker = faults.worker("staffing")
    faults.wait_ready(consumers=("staffing",))

    answers: list[Answer] = []
    lock = threading.Lock()
    next_code = iter(range(WRITES))
    began = time.monotonic()

    def writer() -> None:
        # Two clients, ten writes a second between them whatever the answers take: about 30
        # before the outage, 30 during it and 40 after.
        with requests.Session() as session:
            while True:
                with lock:
                    i = next(next_code, None)
                if i is None:
                    return
                time.sleep(max(began + i * 0.1 - time.monotonic(), 0))
                answers.append(_post(session, faults, f"pg-{i:03d}"))

    writers = [threading.Thread(target=writer) for _ in range(2)]
    for thread in writers:
        thread.start()
    held: list[Answer] = []
    try:
        wait_for(lambda: len(answers) >= 30, timeout=20, interval=0.01)
        # One write caught inside its transaction: its unit row inserted, its event waiting on a
        # lock the test holds on the outbox when the cut comes.
        with faults.engine("registry").connect() as blocker:
            blocker.execute(text("LOCK TABLE outbox IN SHARE MODE"))
            holder = threading.Thread(
                target=lambda: held.append(
                    _post(requests.Session(), faults, "pg-held", key=HELD_KEY)
                )
            )
            holder.start()
            # The writers' requests wait on the lock too (gunicorn's threads serve them side by
            # side): the held one must have claimed its key and reached the lock before the cut.
            wait_for(lambda: _claimed(faults, HELD_KEY), timeout=5, interval=0.01)
            wait_for(lambda: faults.waiting_on_a_lock("registry") >= 1, timeout=5, interval=0.01)
            time.sleep(0.3)  # from its claim to its insert into the outbox: a few milliseconds
            cut = faults.db.refuse()
            holder.join(5)
            blocker.rollback()  # the lock goes; the cut transaction can never commit now
        time.sleep(0.3)
        during = {
            path: _get(faults, path) for path in ("/api/v1/units?limit=5", "/readyz", "/livez")
        }
        time.sleep(OUTAGE - 0.3)
        faults.db.resume()
        resumed = time.monotonic()
    finally:
        for thread in writers:
            thread.join(40)

    assert cut >= 3  # the web tier's, the relay's and the consumer's connections at least
    failed = [a for a in answers if a.status != 201]
    assert len(failed) >= 15, "the outage should have met a good share of the writes"
    assert answers[-1].status == 201, "the writes after the outage should succeed at once"
    assert {a.status for a in failed} == {503}, [(a.status, a.body) for a in failed]
    for answer in failed:
        assert answer.content_type == "application/problem+json"
        assert answer.body["status"] == 503 and answer.body["type"].endswith(":unavailable")
        assert answer.retry_after is not None and int(answer.retry_after) >= 1
        # Fast next to a hang (the client's timeout is far longer); a bound with room for a
        # loaded machine.
        assert answer.seconds < 3.0, f"{answer.code} took {answer.seconds:.2f}s to fail"
    assert during["/api/v1/units?limit=5"][0] == 503
    assert during["/api/v1/units?limit=5"][1].get("Retry-After")
    assert during["/readyz"][0] == 503 and during["/livez"][0] == 200

    # Its Idempotency-Key was claimed before the cut, and freeing it after the 503 failed too:
    # that failure, outside the view, must still answer 503 with Retry-After, not 500.
    assert held and held[0].status == 503 and held[0].seconds < 1.5, held
    assert held[0].retry_after and held[0].content_type == "application/problem+json"
    back_in = min(a.at for a in answers if a.status == 201 and a.at > resumed) - resumed

    # Back without a restart: the same processes answer, relay and consume.
    assert requests.get(faults.url("registry", "/readyz"), timeout=2).ok
    # The write cut inside its transaction left nothing: neither its unit nor its event.
    for table, column in (("units", "code"), ("outbox", "subject")):
        sql = f"SELECT count(*) FROM {table} WHERE {column} = 'pg-held'"
        assert faults.scalar("registry", sql) == 0, f"half written: {table}"
    with requests.Session() as session:
        # The key stays claimed (its release failed with the database): for ABANDONED_AFTER
        # (60 s) the same key gets 409 "still being handled"; the write itself is not done.
        same_key = _post(session, faults, "pg-held", key=HELD_KEY)
        assert same_key.status == 409 and "still being handled" in same_key.body["detail"]
        again = {a.code: _post(session, faults, a.code) for a in [*failed, *held]}
    # A 503 whose commit had reached the server before the cut is already there: 409, once.
    assert {a.status for a in again.values()} <= {201, 409}, again
    already = sorted(code for code, a in again.items() if a.status == 409)

    codes = sorted([f"pg-{i:03d}" for i in range(WRITES)] + ["pg-held"])
    units = faults.rows("registry", "SELECT code FROM units ORDER BY code")
    assert [row.code for row in units] == codes
    events = faults.rows(
        "registry", "SELECT subject FROM outbox WHERE type = :t ORDER BY subject", t=UNIT_REGISTERED
    )
    assert [row.subject for row in events] == codes  # one event per unit, none without one

    def copied() -> bool:
        published = faults.scalar(
            "registry", "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        )
        known = faults.scalar("staffing", "SELECT count(*) FROM units")
        return published == 0 and known == len(codes)

    wait_for(copied, timeout=20, interval=0.2)
    applied = faults.scalar(
        "staffing",
        "SELECT count(*) FROM processed_events p JOIN units u ON u.source_event_id = p.event_id",
    )
    assert applied == len(codes)
    time.sleep(1.0)  # let a retry sweep finish what it may have kept
    assert faults.rows("staffing", "SELECT event_id, status FROM failed_events") == []
    for process in (faults.webs["registry"], registry_worker, staffing_worker):
        assert process.popen.poll() is None, f"{process.name} exited"
    assert faults.webs["registry"].output().count("Booting worker") == 2  # none replaced
    print(
        f"\n[faults] writes={WRITES}: 201 at once {WRITES - len(failed)}, 503 {len(failed)} "
        f"(slowest {max(a.seconds for a in failed) * 1000:.0f} ms, Retry-After "
        f"{failed[0].retry_after}s), +1 cut inside its transaction (503 in "
        f"{held[0].seconds * 1000:.0f} ms, nothing written); re-sent: 201 "
        f"{len(again) - len(already)}, 409 (had been written) {len(already)}; units="
        f"{len(units)} events={len(events)} staffing copies={len(codes)}, lost=0, doubled=0; "
        f"first 201 {back_in:.2f}s after the proxy resumed"
    )


def _post(session: requests.Session, faults: Faults, code: str, key: str | None = None) -> Answer:
    body = {"code": code, "name": f"Unit {code}", "district": "南开区"}
    headers = {**AUTHORITY, **({"Idempotency-Key": key} if key else {})}
    began = time.monotonic()
    response = session.post(
        faults.url("registry", "/api/v1/units"), json=body, headers=headers, timeout=10
    )
    return Answer(
        code,
        response.status_code,
        time.monotonic() - began,
        response.headers.get("Content-Type", ""),
        response.headers.get("Retry-After"),
        response.json() if response.content else {},
        time.monotonic(),
    )


def _claimed(faults: Faults, key: str) -> bool:
    sql = "SELECT count(*) FROM idempotency_keys WHERE key = :key"
    return bool(faults.scalar("registry", sql, key=key))


def _get(faults: Faults, path: str) -> tuple[int, dict[str, str]]:
    response = requests.get(faults.url("registry", path), headers=AUTHORITY, timeout=5)
    return response.status_code, dict(response.headers)
