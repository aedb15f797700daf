"""The embedded hall idles without polling: a commit that wrote events wakes its relay, and a
publish wakes the in-memory consumers. With both fallback polls set to 30 s, an event still
crosses from one service to another within a few seconds (a hang bound, not a timing)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.test import Client

from services.hall import embedded
from services.hall.embedded import Hall
from shared import broker
from tests.halls import own_settings
from tests.support import bearer

SLOW_POLL = 30.0


@pytest.fixture
def slow_polling_hall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hall]:
    monkeypatch.setattr(broker, "MEMORY_POLLING_INTERVAL", SLOW_POLL)
    hall = embedded.build(tmp_path / "var", own_settings(outbox_poll_interval=SLOW_POLL))
    hall.start()
    for name, worker in hall.workers.items():
        assert worker.swept_once.wait(10), f"{name}'s first sweeps did not finish"
    time.sleep(0.5)  # every relay and consumer has looked once and now waits
    yield hall
    hall.stop()


def test_a_commit_reaches_another_service_by_wakeups_not_polls(slow_polling_hall: Hall) -> None:
    relay = slow_polling_hall.workers["registry"].relay
    assert relay is not None and relay.settings.outbox_poll_interval == SLOW_POLL
    client = Client(slow_polling_hall.wsgi())
    unit = {"code": "woken", "name": "Woken Unit", "district": "二七区"}
    started = time.monotonic()
    created = client.post("/registry/api/v1/units", json=unit, headers=bearer("authority"))
    assert created.status_code == 201, created.get_data(as_text=True)
    while time.monotonic() - started < 5.0:  # either poll would take 30 s
        seen = client.get("/staffing/api/v1/units/woken", headers=bearer("authority"))
        if seen.status_code == 200:
            break
        time.sleep(0.05)
    assert seen.status_code == 200, "staffing has no unit: nothing woke the relay or consumer"


def test_the_embedded_relays_poll_only_as_a_fallback(tmp_path: Path) -> None:
    hall = embedded.build(tmp_path / "var", own_settings())
    for name in hall.apps:
        assert hall.runtime(name).settings.outbox_poll_interval >= 1.0
        hall.runtime(name).db.dispose()
