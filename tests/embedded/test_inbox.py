"""Never lose, never double, on the in-memory transport: duplicates, retries, dead letters."""

from __future__ import annotations

import pytest
from kombu import Producer
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.staffing.adapters import consumers as staffing_consumers
from shared import broker
from tests.support import bearer, unit_registered_body, wait_for

AUTHORITY = bearer("authority")
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"


def _event(code: str, event_id: str = "5b0c3a8e-2f9b-4d7c-9a51-6f0e7c2d1a01") -> str:
    return unit_registered_body(code, event_id)


def _publish(hall: Hall, body: str, routing_key: str = UNIT_REGISTERED) -> None:
    settings = hall.runtime("registry").settings
    with broker.connect(settings) as connection:
        Producer(connection.default_channel).publish(
            body, exchange=broker.events_exchange(settings), routing_key=routing_key
        )


def _dead_letters(client: Client, service: str, status: str | None = None) -> list[dict]:
    query = f"?status={status}" if status else ""
    response = client.get(f"/{service}/api/v1/dead-letters{query}", headers=AUTHORITY)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["items"]


def test_the_same_event_twice_has_one_effect(hall: Hall, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = staffing_consumers.unit_registered

    def counting(uow, event) -> None:  # type: ignore[no-untyped-def]
        calls.append(event.id)
        original(uow, event)

    monkeypatch.setitem(staffing_consumers.SUBSCRIPTIONS, UNIT_REGISTERED, counting)
    client = Client(hall.wsgi())
    _publish(hall, _event("dup-unit"))
    _publish(hall, _event("dup-unit"))
    wait_for(
        lambda: client.get("/staffing/api/v1/units/dup-unit", headers=AUTHORITY).status_code == 200
    )
    notices = wait_for(
        lambda: client.get("/notification/api/v1/notices", headers=AUTHORITY).json["items"]
    )
    inbox = hall.runtime("staffing").inbox
    wait_for(lambda: _processed(hall, "staffing") == 1)
    # Both deliveries reached the consumer; the handler ran for the first only.
    assert calls == ["5b0c3a8e-2f9b-4d7c-9a51-6f0e7c2d1a01"]
    assert len(notices) == 1
    assert inbox.list(None, 0, 10) == []


def _processed(hall: Hall, service: str) -> int:
    from sqlalchemy import func, select

    rt = hall.runtime(service)
    with rt.db.session() as session:
        return int(
            session.execute(
                select(func.count()).select_from(rt.db.table("processed_events"))
            ).scalar_one()
        )


def test_a_failing_handler_ends_as_a_dead_letter_and_replays_once(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[str] = []

    def broken(uow, event) -> None:  # type: ignore[no-untyped-def]
        attempts.append(event.id)
        raise RuntimeError("staffing database column missing")

    monkeypatch.setitem(staffing_consumers.SUBSCRIPTIONS, UNIT_REGISTERED, broken)
    client = Client(hall.wsgi())
    assert (
        client.post(
            "/registry/api/v1/units",
            json={"code": "tj-teda", "name": "TEDA", "district": "开发区"},
            headers=AUTHORITY,
        ).status_code
        == 201
    )

    dead = wait_for(lambda: _dead_letters(client, "staffing", "dead"), timeout=5)
    assert len(dead) == 1 and dead[0]["attempts"] == 3  # consumer_max_attempts in the fixture
    assert dead[0]["last_error"] == "RuntimeError: staffing database column missing"
    assert len(attempts) == 3
    assert client.get("/staffing/api/v1/units/tj-teda", headers=AUTHORITY).status_code == 404
    metrics = client.get("/staffing/metrics").get_data(as_text=True)
    assert 'govhall_dead_letters{service="staffing",status="dead"} 1.0' in metrics

    # While broken, a replay fails again and keeps the dead letter.
    replay = client.post(f"/staffing/api/v1/dead-letters/{dead[0]['id']}/replay", headers=AUTHORITY)
    assert replay.status_code == 409 and "failed again" in replay.json["detail"]

    monkeypatch.setitem(
        staffing_consumers.SUBSCRIPTIONS, UNIT_REGISTERED, staffing_consumers.unit_registered
    )
    replay = client.post(f"/staffing/api/v1/dead-letters/{dead[0]['id']}/replay", headers=AUTHORITY)
    assert replay.status_code == 200 and replay.json == {"id": dead[0]["id"], "applied": True}
    assert client.get("/staffing/api/v1/units/tj-teda", headers=AUTHORITY).status_code == 200
    assert _dead_letters(client, "staffing") == []
    again = client.post(f"/staffing/api/v1/dead-letters/{dead[0]['id']}/replay", headers=AUTHORITY)
    assert again.status_code == 404
    assert _processed(hall, "staffing") == 1


def test_a_transient_failure_is_retried_and_applied(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = iter([RuntimeError("deadlock detected")])

    def flaky(uow, event) -> None:  # type: ignore[no-untyped-def]
        failure = next(failures, None)
        if failure:
            raise failure
        staffing_consumers.unit_registered(uow, event)

    monkeypatch.setitem(staffing_consumers.SUBSCRIPTIONS, UNIT_REGISTERED, flaky)
    client = Client(hall.wsgi())
    _publish(hall, _event("flaky-unit"))
    wait_for(
        lambda: (
            client.get("/staffing/api/v1/units/flaky-unit", headers=AUTHORITY).status_code == 200
        ),
        timeout=5,
    )
    assert _dead_letters(client, "staffing") == []


def test_an_undecodable_message_is_kept_not_dropped(hall: Hall) -> None:
    client = Client(hall.wsgi())
    _publish(hall, "{this is not json")
    kept = wait_for(lambda: _dead_letters(client, "staffing", "dead"))
    assert kept[0]["event_type"] == "undecodable"
    assert kept[0]["body"] == "{this is not json"
    replay = client.post(f"/staffing/api/v1/dead-letters/{kept[0]['id']}/replay", headers=AUTHORITY)
    assert replay.status_code == 409 and "undecodable" in replay.json["detail"]


def test_dead_letters_are_for_operators_only(hall: Hall) -> None:
    client = Client(hall.wsgi())
    assert client.get("/staffing/api/v1/dead-letters").status_code == 401
    assert (
        client.get("/staffing/api/v1/dead-letters", headers=bearer("unit", "x")).status_code == 403
    )
    assert client.get("/staffing/api/v1/dead-letters/999", headers=AUTHORITY).status_code == 404
