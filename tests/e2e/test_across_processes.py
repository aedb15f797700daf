"""Follow an event across the four services running as separate gunicorn and worker processes."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest
import requests
from sqlalchemy import create_engine, text

from shared.testing import bearer, wait_for
from tests.e2e.conftest import Cluster

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
AUTHORITY = bearer("authority")


def test_a_registered_unit_is_known_everywhere(cluster: Cluster) -> None:
    unit = {"code": "e2e-hexi", "name": "河西区政务服务中心", "district": "河西区"}
    created = requests.post(cluster.url("registry", "/api/v1/units"), json=unit, headers=AUTHORITY)
    assert created.status_code == 201, created.text
    for service in ("staffing", "inspection"):
        copy = wait_for(
            lambda s=service: _json_if_ok(
                requests.get(cluster.url(s, "/api/v1/units/e2e-hexi"), headers=AUTHORITY)
            ),
            timeout=10,
        )
        assert copy["name"] == "河西区政务服务中心"
    notices = wait_for(
        lambda: [
            n
            for n in requests.get(
                cluster.url("notification", "/api/v1/notices?limit=200"), headers=AUTHORITY
            ).json()["items"]
            if n["subject"] == "e2e-hexi"
        ],
        timeout=10,
    )
    assert len(notices) == 1


def _json_if_ok(response: requests.Response) -> dict | None:
    return response.json() if response.status_code == 200 else None


def test_metrics_add_up_across_gunicorn_workers(cluster: Cluster) -> None:
    for _ in range(20):
        assert requests.get(cluster.url("inspection", "/livez")).status_code == 200
    metrics = requests.get(cluster.url("inspection", "/metrics")).text
    line = next(
        line
        for line in metrics.splitlines()
        if line.startswith("govhall_http_requests_total{") and 'endpoint="/livez"' in line
    )
    assert float(line.rsplit(" ", 1)[1]) >= 20  # both workers' counts, not one of them
    assert 'govhall_outbox_backlog{service="inspection"}' in metrics


def test_broker_restart_during_200_writes_loses_and_doubles_nothing(cluster: Cluster) -> None:
    """Writes 0–59 before the outage, 60–139 while RabbitMQ is stopped, the rest as it returns."""
    statuses: list[int] = []
    readiness_while_down: list[int] = []
    broker_down, writes_done_while_down = threading.Event(), threading.Event()

    def restart_broker() -> None:
        wait_for(lambda: len(statuses) >= 60, timeout=60)
        subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=60)
        broker_down.set()
        writes_done_while_down.wait(120)
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=120)

    restarter = threading.Thread(target=restart_broker)
    restarter.start()
    try:
        with requests.Session() as session:
            for i in range(200):
                if i == 60:
                    assert broker_down.wait(90), "rabbitmqctl stop_app did not finish"
                if i == 100:
                    ready = session.get(cluster.url("registry", "/readyz"), timeout=10)
                    readiness_while_down.append(ready.status_code)
                if i == 140:
                    writes_done_while_down.set()
                body = {"code": f"restart-{i:03d}", "name": f"Unit {i}", "district": "二七区"}
                response = session.post(
                    cluster.url("registry", "/api/v1/units"),
                    json=body,
                    headers=AUTHORITY,
                    timeout=10,
                )
                statuses.append(response.status_code)
    finally:
        broker_down.set()
        writes_done_while_down.set()
        restarter.join(180)
    assert statuses == [201] * 200
    assert readiness_while_down == [503]  # the broker really was down during those writes

    staffing = create_engine(cluster.namespace.database_url("staffing"))
    notification = create_engine(cluster.namespace.database_url("notification"))
    try:

        def copies() -> int:
            with staffing.connect() as conn:
                return int(
                    conn.execute(
                        text("SELECT count(*) FROM units WHERE code LIKE 'restart-%'")
                    ).scalar_one()
                )

        wait_for(lambda: copies() == 200, timeout=90, interval=0.5)
        with staffing.connect() as conn:
            applied = conn.execute(
                text(
                    "SELECT count(*) FROM processed_events p"
                    " JOIN units u ON u.source_event_id = p.event_id"
                    " WHERE u.code LIKE 'restart-%'"
                )
            ).scalar_one()
        assert applied == 200

        def notices() -> int:
            with notification.connect() as conn:
                return int(
                    conn.execute(
                        text(
                            "SELECT count(*) FROM notices WHERE subject LIKE 'restart-%' "
                            "AND recipient = 'authority'"
                        )
                    ).scalar_one()
                )

        wait_for(lambda: notices() == 200, timeout=60, interval=0.5)
        time.sleep(1)  # any duplicate still in flight would land now
        assert notices() == 200 and copies() == 200
        with notification.connect() as conn:
            distinct = conn.execute(
                text("SELECT count(DISTINCT event_id) FROM notices WHERE subject LIKE 'restart-%'")
            ).scalar_one()
        assert distinct == 200
    finally:
        staffing.dispose()
        notification.dispose()
    for service in ("registry", "staffing", "notification"):
        dead = requests.get(cluster.url(service, "/api/v1/dead-letters"), headers=AUTHORITY).json()
        assert dead["items"] == [], f"{service}: {dead}"
