"""A case from acceptance through a supplement request to delivery, with its events reaching
inspection and staffing over RabbitMQ, every service a separate process."""

from __future__ import annotations

import pytest

from shared import clock
from tests import builders
from tests.e2e.conftest import Cluster
from tests.e2e.test_window_lifecycle import Api
from tests.support import bearer, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
UNIT = bearer("unit", "e2e-case-unit")
INSPECTOR = bearer("inspector")


def test_a_case_from_acceptance_to_delivery_reaches_inspection_and_staffing(
    cluster: Cluster,
) -> None:
    api = Api(cluster)
    api.call(
        "POST",
        "/registry/api/v1/units",
        {"code": "e2e-case-unit", "name": "河西区政务服务中心", "district": "河西区"},
        status=201,
    )
    api.call(
        "POST",
        "/registry/api/v1/halls",
        {
            "code": "e2e-case-hall",
            "name_zh": "大厅",
            "name_en": "Hall",
            "address": "友谊路",
            "hours": "9–17",
            "phone": "022",
        },
        status=201,
    )
    api.call(
        "POST",
        "/registry/api/v1/matters",
        {**builders.MATTER, "code": "e2e-case-permit"},
        status=201,
    )
    window = api.call(
        "POST",
        "/registry/api/v1/windows",
        {
            "hall_code": "e2e-case-hall",
            "name_zh": "窗口",
            "name_en": "Window",
            "type": "permanent",
            "evidence": builders.EVIDENCE,
            "details": builders.DETAILS,
        },
        headers=UNIT,
        status=201,
    )
    publish_window(api, window["id"], ["e2e-case-permit"])

    case = api.call(
        "POST",
        "/registry/api/v1/cases",
        {
            "window_id": window["id"],
            "matter_code": "e2e-case-permit",
            "applicant": "Ms. Brown",
            "staff_id": "e2e-zhang",
        },
        headers=UNIT,
        status=201,
    )
    base = f"/registry/api/v1/cases/{case['id']}"
    api.call("POST", f"{base}/steps", {"stage": "handled", "staff_id": "e2e-zhang"}, headers=UNIT)
    asked = api.call(
        "POST",
        f"{base}/supplement-request",
        {"materials": ["passport copy"], "staff_id": "e2e-zhang"},
        headers=UNIT,
    )
    assert asked["paused"] is True
    api.call("POST", f"{base}/supplement-received", {"staff_id": "e2e-zhang"}, headers=UNIT)
    for stage in ("reviewed", "approved", "issued", "delivered"):
        done = api.call(
            "POST", f"{base}/steps", {"stage": stage, "staff_id": "e2e-li"}, headers=UNIT
        )
    assert done["stage"] == "delivered"

    def inspection_copy() -> dict | None:
        seen = api.call_raw("GET", f"/inspection/api/v1/cases/{case['id']}", INSPECTOR)
        return seen if seen and seen["stage"] == "delivered" else None

    copy = wait_for(inspection_copy, timeout=20, interval=0.2)
    assert copy["receipt_number"] == case["receipt_number"] and copy["completed_on"]
    work = wait_for(
        lambda: (
            [w["stage"] for w in api.call("GET", "/staffing/api/v1/case-work?staff_id=e2e-li")]
            or None
        ),
        timeout=20,
        interval=0.2,
    )
    assert sorted(work) == ["approved", "delivered", "issued", "reviewed"]
    mine = api.call("GET", "/staffing/api/v1/case-work?staff_id=e2e-zhang")
    # The shared cluster's other tests give e2e-zhang cases of their own: this case's work only.
    assert sorted(w["stage"] for w in mine if w["case_id"] == case["id"]) == ["accepted", "handled"]


def publish_window(api: Api, window_id: int, matters: list[str], starts_on: str = "") -> None:
    """The setup procedure, each step dated today; the agreement starts on `starts_on`, today
    unless given."""
    base = f"/registry/api/v1/windows/{window_id}"
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
        ("letter", {"number": "津科函〔2026〕2号", "issued_on": clock.today().isoformat()}, 200),
        (
            "agreement",
            {
                "matters": matters,
                "duties": "d",
                "rights": "r",
                "requirements": "q",
                "starts_on": starts_on or clock.today().isoformat(),
            },
            201,
        ),
        ("publication", None, 200),
    ]:
        api.call("POST", f"{base}/{step}", body, status=status)
