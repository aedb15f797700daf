"""Follow an event across the four services running as separate gunicorn and worker processes."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import Cluster
from tests.support import bearer, wait_for

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
