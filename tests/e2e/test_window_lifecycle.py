"""A window from application to publication, suspension by a sanction event, reinstatement and
revocation, with every service a separate process on RabbitMQ and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from kombu import Connection, Producer

from shared import clock
from tests import builders
from tests.e2e.conftest import Cluster
from tests.support import AMQP_URL, bearer, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
AUTHORITY = bearer("authority")
UNIT = bearer("unit", "e2e-teda")


class Api:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def call(
        self, method: str, path: str, body: Any = None, headers: Any = None, status: int = 200
    ) -> Any:
        service, _, rest = path.lstrip("/").partition("/")
        response = requests.request(
            method,
            self.cluster.url(service, f"/{rest}"),
            json=body,
            headers=headers or AUTHORITY,
            timeout=10,
        )
        assert response.status_code == status, response.text
        return response.json()

    def call_raw(self, method: str, path: str, headers: Any) -> Any:
        """The JSON of a 200, or None for anything else (for polling)."""
        service, _, rest = path.lstrip("/").partition("/")
        response = requests.request(
            method, self.cluster.url(service, f"/{rest}"), headers=headers, timeout=10
        )
        return response.json() if response.status_code == 200 else None


def _publish(cluster: Cluster, event: tuple[str, str]) -> None:
    routing_key, body = event
    with Connection(AMQP_URL) as connection:
        Producer(connection.default_channel).publish(
            body, exchange=cluster.namespace.exchange, routing_key=routing_key, delivery_mode=2
        )


def test_a_window_from_application_to_revocation(cluster: Cluster) -> None:
    api = Api(cluster)
    api.call(
        "POST",
        "/registry/api/v1/units",
        {"code": "e2e-teda", "name": "TEDA 综合服务中心", "district": "开发区"},
        status=201,
    )
    api.call(
        "POST",
        "/registry/api/v1/halls",
        {
            "code": "e2e-hall",
            "name_zh": "天津大厅",
            "name_en": "Tianjin hall",
            "address": "友谊路",
            "hours": "9–17",
            "phone": "022",
        },
        status=201,
    )
    api.call(
        "POST", "/registry/api/v1/matters", {**builders.MATTER, "code": "e2e-permit"}, status=201
    )
    window = api.call(
        "POST",
        "/registry/api/v1/windows",
        {
            "hall_code": "e2e-hall",
            "name_zh": "开发区窗口",
            "name_en": "TEDA window",
            "type": "permanent",
            "evidence": builders.EVIDENCE,
            "details": builders.DETAILS,
        },
        headers=UNIT,
        status=201,
    )
    base = f"/registry/api/v1/windows/{window['id']}"
    for step, body, status in [
        (
            "inspection",
            {
                "inspected_on": clock.today().isoformat(),
                "inspectors": ["王", "李"],
                "findings": "ok",
                "passed": True,
            },
            200,
        ),
        (
            "review",
            {
                "held_on": clock.today().isoformat(),
                "participants": ["市科技局"],
                "experts": ["张"],
                "opinion": "agreed",
                "passed": True,
            },
            200,
        ),
        ("letter", {"number": "津科函〔2026〕1号", "issued_on": clock.today().isoformat()}, 200),
        (
            "agreement",
            {
                "matters": ["e2e-permit"],
                "duties": "d",
                "rights": "r",
                "requirements": "q",
                "starts_on": clock.today().isoformat(),
            },
            201,
        ),
        ("publication", None, 200),
    ]:
        api.call("POST", f"{base}/{step}", body, status=status)
    state = lambda: api.call("GET", base)["state"]  # noqa: E731
    assert state() == "active"
    listed = lambda: [e["id"] for e in api.call("GET", "/registry/api/v1/directory")["items"]]  # noqa: E731
    assert window["id"] in listed()  # the session's other tests publish windows too

    _publish(cluster, builders.sanction(window, "suspension", sanction_id=11))
    wait_for(lambda: state() == "suspended", timeout=15, interval=0.2)

    def unit_inbox() -> list[dict[str, Any]]:
        return api.call("GET", "/notification/api/v1/notices?limit=200", headers=UNIT)["items"]

    wait_for(
        lambda: any(n["event_type"].endswith("window.suspended.v1") for n in unit_inbox()),
        timeout=15,
        interval=0.2,
    )

    _publish(cluster, builders.sanction(window, "suspension", sanction_id=11, lifted=True))
    wait_for(lambda: state() == "active", timeout=15, interval=0.2)

    api.call("POST", f"{base}/revocation-request", {"reason": "too little volume"}, headers=UNIT)
    revoked = api.call("POST", f"{base}/revocation", {"consented_on": clock.today().isoformat()})
    assert revoked["state"] == "revoked"
    assert window["id"] not in listed()
    wait_for(
        lambda: any(n["event_type"].endswith("window.revoked.v1") for n in unit_inbox()),
        timeout=15,
        interval=0.2,
    )
    assert api.call("GET", "/registry/api/v1/dead-letters")["items"] == []
