"""PostgreSQL silent, not gone: the proxy stops passing packets but resets nothing.

Unlike a refused or reset connection (test_database_outage.py), nothing tells the service that
the server is unreachable: its kernel still gets every segment acknowledged (by the proxy's), so
a query on an open connection, or a new connection's handshake, would wait forever. Registry's
web tier runs under gunicorn with its default settings, warmed up so that both of its processes
hold pooled connections, and one write is caught inside its transaction when the silence comes.

Expected, with the silence on: a read, a write and /readyz answer 503 problem+json with
`Retry-After` within a few seconds, /livez keeps answering 200 within 1 s, and the write caught
inside its transaction left nothing behind. Once the proxy passes packets again the same
processes serve again, none restarted.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pytest
import requests
from sqlalchemy import text

from tests.faults.conftest import Faults
from tests.support import bearer, wait_for

pytestmark = pytest.mark.integration
AUTHORITY = bearer("authority")
# "A few seconds": a pooled connection's ping (DB_PING_TIMEOUT, 2 s), then a new connection
# (DB_CONNECT_TIMEOUT, 3 s); a statement already sent waits DB_REPLY_TIMEOUT (7 s).
FEW_SECONDS = 6.5
IN_FLIGHT_SECONDS = 8.5
CLIENT_TIMEOUT = 12.0  # a hang is reported as this, not waited out
WAVE = 4


@dataclass
class Answer:
    what: str
    status: int | None  # None: no answer within CLIENT_TIMEOUT, or the connection dropped
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)
    body: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.what}: {self.status or 'no answer'} in {self.seconds:.2f}s"


def _call(faults: Faults, what: str, method: str, path: str, **kwargs: object) -> Answer:
    began = time.monotonic()
    try:
        response = requests.request(
            method,
            faults.url("registry", path),
            headers=AUTHORITY,
            timeout=CLIENT_TIMEOUT,
            **kwargs,  # type: ignore[arg-type]
        )
    except requests.RequestException:
        return Answer(what, None, time.monotonic() - began)
    body = response.json() if response.content else {}
    return Answer(
        what, response.status_code, time.monotonic() - began, dict(response.headers), body
    )


def _unit(code: str) -> dict[str, str]:
    return {"code": code, "name": f"Unit {code}", "district": "南开区"}


def test_a_silent_database_answers_503_in_seconds_and_livez_stays_up(faults: Faults) -> None:
    faults.migrate("registry")
    web = faults.web("registry")
    faults.worker("registry")  # /readyz also wants a consumer on registry's queue
    faults.wait_ready(consumers=("registry",))
    for i in range(8):  # both gunicorn processes, several threads each: connections in the pools
        assert _call(faults, "warm", "POST", "/api/v1/units", json=_unit(f"warm-{i}")).status == 201
        assert _call(faults, "warm", "GET", "/api/v1/units?limit=5").status == 200

    answers: dict[str, Answer] = {}
    lives: list[Answer] = []
    silent = threading.Event()

    def run(what: str, method: str, path: str, **kwargs: object) -> threading.Thread:
        thread = threading.Thread(
            target=lambda: answers.__setitem__(what, _call(faults, what, method, path, **kwargs))
        )
        thread.start()
        return thread

    def probe_livez() -> None:
        while silent.is_set():
            lives.append(_call(faults, "livez", "GET", "/livez"))
            time.sleep(0.2)

    with faults.engine("registry").connect() as blocker:
        # One write inside its transaction: its unit inserted, its event waiting on our lock.
        blocker.execute(text("LOCK TABLE outbox IN SHARE MODE"))
        held = run("held write", "POST", "/api/v1/units", json=_unit("silent-held"))
        wait_for(lambda: faults.waiting_on_a_lock("registry") >= 1, timeout=5, interval=0.01)
        silenced = faults.db.silence()
        silent.set()
        blocker.rollback()  # the server goes on; its answer is held by the proxy
    began = time.monotonic()
    livez = threading.Thread(target=probe_livez)
    livez.start()
    time.sleep(0.2)
    during = [
        run("read", "GET", "/api/v1/units?limit=5"),
        run("write", "POST", "/api/v1/units", json=_unit("silent-write")),
        run("readyz", "GET", "/readyz"),
    ]
    for thread in [held, *during]:
        thread.join(CLIENT_TIMEOUT + 2)
    # A wave of reads, the database known to be silent now: one at a time per process that has
    # seen it silent tries it (a bounded connect), the others are answered at once.
    wave = [run(f"read {i}", "GET", "/api/v1/units?limit=5") for i in range(WAVE)]
    wave.append(run("readyz again", "GET", "/readyz"))
    for thread in wave:
        thread.join(CLIENT_TIMEOUT + 2)
    silent_for = time.monotonic() - began
    silent.clear()
    livez.join(CLIENT_TIMEOUT + 2)
    faults.db.resume()
    resumed = time.monotonic()

    report = ", ".join(str(a) for a in answers.values())
    at_once = sum(a.seconds < 0.5 for a in answers.values())
    print(
        f"\n[faults] silent database ({silenced} connections kept open, {silent_for:.1f}s): "
        f"{report} ({at_once} answered at once); livez {len(lives)}× slowest "
        f"{max(a.seconds for a in lives):.2f}s"
    )
    assert silenced >= 2, "both gunicorn processes should have held a pooled connection"
    for what in answers:
        answer = answers[what]
        assert answer.status == 503, str(answer)
        limit = IN_FLIGHT_SECONDS if what == "held write" else FEW_SECONDS
        assert answer.seconds < limit, str(answer)
        assert answer.headers.get("Retry-After", "").isdigit(), str(answer)
        if what.startswith("readyz"):
            assert answer.body["status"] == "unavailable", answer.body
        else:
            assert answer.headers["Content-Type"] == "application/problem+json"
            assert answer.body["type"].endswith(":unavailable"), answer.body
    assert lives and all(a.status == 200 for a in lives), [str(a) for a in lives]
    assert max(a.seconds for a in lives) < 1.0, [str(a) for a in lives]

    # Back without a restart: the same processes read, write and are ready again.
    wait_for(lambda: _call(faults, "ready", "GET", "/readyz").status == 200, timeout=15)
    back_in = time.monotonic() - resumed
    assert _call(faults, "read", "GET", "/api/v1/units?limit=5").status == 200
    assert _call(faults, "write", "POST", "/api/v1/units", json=_unit("after")).status == 201
    # Nothing half-written: the write caught inside its transaction left neither its unit nor
    # its event, and the refused write wrote nothing either.
    for code in ("silent-held", "silent-write"):
        for table, column in (("units", "code"), ("outbox", "subject")):
            sql = f"SELECT count(*) FROM {table} WHERE {column} = :code"
            assert faults.scalar("registry", sql, code=code) == 0, f"{code} in {table}"
    assert faults.scalar("registry", "SELECT count(*) FROM units") == 9
    process = faults.webs["registry"]
    assert process.popen.poll() is None, "the web tier exited"
    assert process.output().count("Booting worker") == 2, "a gunicorn worker was replaced"
    print(f"[faults] {web}: ready again {back_in:.2f}s after the packets flowed again")
