"""The sanctions ladder across processes on RabbitMQ (TJ-8.2): the public's complaints are
upheld, the local rules propose a suspension, the authority decides, registry refuses new cases
at the window; the rectification deadline passes, the sweep proposes termination, the authority
confirms, registry terminates the window and the public directory drops it.

The weeks between the order and its missed deadline cannot pass in a test: the test moves the
order's deadline back in inspection's database and runs inspection's hourly sweeps in this
process. Everything else goes over HTTP to the cluster; its inspection worker publishes what is
recorded, registry acts on it and notification tells the authority."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import update

from services.inspection import SPEC as INSPECTION
from services.inspection.adapters.tables import sanctions as tables
from services.inspection.handlers import proposals, sanction_orders
from shared import clock, config
from shared.service import ServiceRuntime
from tests import builders
from tests.e2e.conftest import Cluster
from tests.e2e.test_window_lifecycle import Api
from tests.support import bearer, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
AUTHORITY = bearer("authority")
CENTER = bearer("center")
INSPECTOR = bearer("inspector")


@pytest.fixture
def api(cluster: Cluster) -> Api:
    return Api(cluster)


@pytest.fixture
def inspection(cluster: Cluster) -> Iterator[ServiceRuntime]:
    """Inspection's runtime in this process, on the cluster's database: no workers of its own."""
    settings = config.load("inspection", cluster.namespace.settings("inspection"))
    yield ServiceRuntime(INSPECTION, settings)


def _window(api: Api, code: str) -> dict[str, Any]:
    unit = bearer("unit", code)
    api.call(
        "POST",
        "/registry/api/v1/units",
        {"code": code, "name": "红桥区", "district": "红桥区"},
        status=201,
    )
    hall = {
        "name_zh": "大厅",
        "name_en": "Hall",
        "address": "芥园道",
        "hours": "9–17",
        "phone": "022",
    }
    api.call("POST", "/registry/api/v1/halls", {**hall, "code": f"{code}-hall"}, status=201)
    matter = f"{code}-permit"
    api.call("POST", "/registry/api/v1/matters", {**builders.MATTER, "code": matter}, status=201)
    body = {
        "hall_code": f"{code}-hall",
        "name_zh": "红桥窗口",
        "name_en": "Hongqiao window",
        "type": "permanent",
        "evidence": builders.EVIDENCE,
        "details": builders.DETAILS,
    }
    window = api.call("POST", "/registry/api/v1/windows", body, headers=unit, status=201)
    for step, step_body, status in _procedure(matter):
        api.call(
            "POST", f"/registry/api/v1/windows/{window['id']}/{step}", step_body, status=status
        )
    return {**window, "matter": matter, "unit": unit}


def _procedure(matter: str) -> list[tuple[str, dict[str, Any] | None, int]]:
    inspected = {
        "inspected_on": clock.today().isoformat(),
        "inspectors": ["王", "李"],
        "findings": "ok",
        "passed": True,
    }
    review = {
        "held_on": clock.today().isoformat(),
        "participants": ["市科技局"],
        "experts": ["张"],
        "opinion": "agreed",
        "passed": True,
    }
    agreement = {
        "matters": [matter],
        "duties": "d",
        "rights": "r",
        "requirements": "q",
        "starts_on": clock.today().isoformat(),
    }
    return [
        ("inspection", inspected, 200),
        ("review", review, 200),
        ("letter", {"number": "津科函〔2026〕77号", "issued_on": clock.today().isoformat()}, 200),
        ("agreement", agreement, 201),
        ("publication", None, 200),
    ]


def _upheld_complaint(api: Api, cluster: Cluster, window_id: int, n: int) -> int:
    body = {"window_id": window_id, "account": f"第{n}次：材料被来回退 · sent back again ({n})"}
    url = cluster.url("inspection", "/api/v1/complaints")

    def filed() -> Any:  # inspection may still be learning the window from registry's events
        response = requests.post(url, json=body, timeout=10)
        return response.json() if response.status_code == 201 else None

    complaint = wait_for(filed, timeout=15)
    verdict = {"outcome": "upheld", "reasons": "核实属实 · verified on the case record"}
    api.call(
        "POST", f"/inspection/api/v1/complaints/{complaint['id']}/verification", verdict,
        headers=INSPECTOR,
    )  # fmt: skip
    return int(complaint["id"])


def _proposal(api: Api, window_id: int, kind: str) -> Any:
    found = api.call("GET", f"/inspection/api/v1/proposals?window_id={window_id}&status=open")
    return next((p for p in found["items"] if p["kind"] == kind), None)


def _case_refused(api: Api, window: dict[str, Any]) -> Any:
    body = {
        "window_id": window["id"],
        "matter_code": window["matter"],
        "applicant": "A. Applicant",
        "staff_id": "s-1",
    }
    response = requests.post(
        api.cluster.url("registry", "/api/v1/cases"), json=body, headers=window["unit"], timeout=10
    )
    return response.json() if response.status_code == 422 else None


def test_complaints_to_suspension_to_termination(
    api: Api, cluster: Cluster, inspection: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _window(api, f"e2e-ladder-{uuid.uuid4().hex[:6]}")
    complaints = [_upheld_complaint(api, cluster, window["id"], n) for n in (1, 2, 3)]

    # The local rule LR-COMPLAINTS-30D proposes a suspension; the authority decides it.
    api.call("POST", "/inspection/api/v1/local-rules/evaluation", {})
    proposal = wait_for(lambda: _proposal(api, window["id"], "suspension"), timeout=10)
    assert proposal["basis"] == "TJ-8.2" and sorted(proposal["complaints"]) == sorted(complaints)
    decision = {
        "window_id": window["id"],
        "complaints": complaints,
        "reason": "群众集中投诉 · concentrated public complaints",
        "proposal_id": proposal["id"],
    }
    suspended = api.call("POST", "/inspection/api/v1/sanctions/suspensions", decision, status=201)
    refusal = wait_for(lambda: _case_refused(api, window), timeout=15)
    assert refusal["rule"] == "TJ-8.2"

    # Later: the order's deadline passed unrectified. Weeks cannot pass in a test, so the
    # order's deadline is moved back in inspection's database, and its sweeps run here.
    history = api.call("GET", f"/inspection/api/v1/windows/{window['id']}/sanctions")
    (order,) = [s for s in history if s["kind"] == "rectification" and s["status"] == "open"]
    with inspection.uow(actor="test:clock") as uow:
        uow.session.execute(
            update(tables.sanctions)
            .where(tables.sanctions.c.id == order["id"])
            .values(due_on=clock.today() - timedelta(days=1))
        )
        uow.commit()
    assert sanction_orders.overdue_sweep(inspection) >= 1
    proposals.proposal_sweep(inspection)
    termination = _proposal(api, window["id"], "termination")
    assert termination is not None and termination["basis"] == "TJ-8.2"

    # The authority confirms termination over HTTP, as anyone at the hall would.
    body = {
        "window_id": window["id"],
        "order_id": order["id"],
        "reason": "逾期未整改 · not rectified by the deadline",
        "proposal_id": termination["id"],
    }
    confirmed = api.call("POST", "/inspection/api/v1/sanctions/terminations", body, status=201)
    assert confirmed["kind"] == "termination" and confirmed["basis"] == "TJ-8.2" and suspended
    again = requests.post(
        cluster.url("inspection", "/api/v1/sanctions/terminations"),
        json=body,
        headers=AUTHORITY,
        timeout=10,
    )
    assert again.status_code in (409, 422), again.text  # a window is terminated once

    # Registry hears it from the cluster's inspection worker, over RabbitMQ.
    state = lambda: api.call("GET", f"/registry/api/v1/windows/{window['id']}")["state"]  # noqa: E731
    wait_for(lambda: state() == "terminated", timeout=20)
    listed = requests.get(
        cluster.url("registry", f"/api/v1/directory/windows/{window['id']}"), timeout=10
    )
    assert listed.status_code == 404
    assert window["id"] not in _directory_ids(cluster, "红桥区")
    # Notification tells the authority, which decided it, that the window is gone.
    told = f"窗口职能终止：红桥窗口（#{window['id']}）"  # in Chinese, unless asked otherwise
    wait_for(lambda: _told(cluster, AUTHORITY, told), timeout=20)


def _pages(cluster: Cluster, service: str, path: str, **request: Any) -> Iterator[Any]:
    """Every item of a paginated list, following the cursors."""
    params: dict[str, Any] = {**request.pop("params", {}), "limit": 100}
    while True:
        url = cluster.url(service, path)
        page = requests.get(url, params=params, timeout=10, **request).json()
        yield from page["items"]
        if not page["next_cursor"]:
            return
        params["cursor"] = page["next_cursor"]


def _directory_ids(cluster: Cluster, district: str) -> set[int]:
    items = _pages(cluster, "registry", "/api/v1/directory", params={"district": district})
    return {entry["id"] for entry in items}


def _told(cluster: Cluster, token: dict[str, str], title: str) -> bool:
    notices = _pages(cluster, "notification", "/api/v1/notices", headers=token)
    return any(title in notice["title"] for notice in notices)
