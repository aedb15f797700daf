"""A bad review across processes (TJ-7.5): registry accepts a real case, the applicant rates it
very dissatisfied at inspection with the receipt number and query code, and staffing holds the
assessment input for the staff member who accepted it, carried by inspection's own event over
RabbitMQ. The unit calls back and rectifies, then shows the review was wrong: the center
upholds the appeal and staffing drops the input.

Why staffing's table and not its score explanation: the explanation names only staff assessed in
the year's cycle, fixed when the cycle opens, and the shared cluster's cycle belongs to
test_assessment_flow (which opens and finalises it, and would fail if this test opened it
first). So the input is read where staffing keeps it, as test_across_processes reads copies.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from shared import clock
from tests import builders
from tests.e2e.conftest import Cluster
from tests.e2e.test_window_lifecycle import Api
from tests.support import bearer, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
UNIT_CODE = "e2e-review-unit"
UNIT = bearer("unit", UNIT_CODE)
CENTER = bearer("center")
MATTER = "e2e-review-permit"
STAFF = "e2e-review-zhang"
EVALUATIONS = "/inspection/api/v1/evaluations"
TASKS = "/inspection/api/v1/rectifications"


def test_a_bad_review_reaches_staffing_and_an_upheld_appeal_withdraws_it(
    cluster: Cluster,
) -> None:
    api = Api(cluster)
    window = _published_window(api)
    body = {"window_id": window["id"], "matter_code": MATTER, "applicant": "刘洋"}
    case = api.call(
        "POST", "/registry/api/v1/cases", {**body, "staff_id": STAFF}, headers=UNIT, status=201
    )
    # The case is done before it is rated: only then does a bad review open a task (GB/T 39735).
    for stage in ("handled", "reviewed", "approved", "issued", "delivered"):
        step = {"stage": stage, "staff_id": STAFF}
        api.call("POST", f"/registry/api/v1/cases/{case['id']}/steps", step, headers=UNIT)
    wait_for(
        lambda: (
            (seen := api.call_raw("GET", f"/inspection/api/v1/cases/{case['id']}", CENTER))
            and seen.get("stage") == "delivered"
        ),
        timeout=20,
        interval=0.2,
    )

    review = {
        "receipt_number": case["receipt_number"],
        "query_code": case["query_code"],
        "level": "very_dissatisfied",
        "text": "说好十个工作日，一个月了 · promised ten working days, it took a month",
        "applicant_name": "刘洋",
        "applicant_phone": "13912345678",
    }
    answer = requests.post(
        cluster.url("inspection", "/api/v1/evaluations"), json=review, timeout=10
    )
    assert answer.status_code == 201, answer.text  # no token: the public
    submitted = answer.json()
    assert (submitted["score"], submitted["bad"]) == (1, True)
    assert submitted["callback_due_on"] is not None

    sent = _outbox_event(cluster, "govhall.inspection.evaluation.submitted.v1", submitted["id"])
    held = wait_for(lambda: _staffing_input(cluster, submitted["id"]), timeout=20, interval=0.2)
    assert held["event_id"] == sent  # inspection's own event, over RabbitMQ
    assert (held["kind"], held["staff_id"], held["value"]) == ("evaluation", STAFF, 1)
    assert (held["window_id"], held["unit_code"]) == (window["id"], UNIT_CODE)
    assert (held["detail"], held["voided_by"]) == ("very_dissatisfied", None)

    [task] = [
        t
        for t in api.call("GET", f"{TASKS}?window_id={window['id']}", headers=UNIT)["items"]
        if t["evaluation_id"] == submitted["id"]
    ]
    base = f"{TASKS}/{task['id']}"
    shown = api.call("GET", base, headers=UNIT)
    assert (shown["applicant_name"], shown["applicant_phone"]) == ("刘洋", "13912345678")
    call = {
        "called_at": datetime.now(UTC).isoformat(),
        "by": "窗口负责人 郑一",
        "outcome": "核实系系统延期，已致歉 · the delay was the system's; apologised",
    }
    api.call("POST", f"{base}/callback", call, headers=UNIT)
    api.call("POST", f"{base}/report", {"summary": "系统已修复 · fixed"}, headers=UNIT)
    closed = api.call("POST", f"{base}/review", {"accepted": True}, headers=CENTER)
    assert closed["status"] == "closed"

    appeal = {"grounds": "wrong", "reason": "办结用时 8 个工作日，有系统记录 · done in 8 days"}
    api.call("POST", f"{EVALUATIONS}/{submitted['id']}/appeal", appeal, headers=UNIT, status=201)
    decision = {"upheld": True, "note": "系统记录属实 · the record shows it"}
    api.call("POST", f"{EVALUATIONS}/{submitted['id']}/appeal/decision", decision, headers=CENTER)
    voided = _outbox_event(cluster, "govhall.inspection.evaluation.voided.v1", submitted["id"])
    dropped = wait_for(
        lambda: (row := _staffing_input(cluster, submitted["id"])) and row["voided_by"] and row,
        timeout=20,
        interval=0.2,
    )
    assert dropped["voided_by"] == voided

    for service in ("inspection", "staffing"):
        dead = api.call("GET", f"/{service}/api/v1/dead-letters", headers=CENTER)["items"]
        assert [d for d in dead if d["event_id"] in (sent, voided)] == [], service


def _published_window(api: Api) -> dict[str, Any]:
    unit = {"code": UNIT_CODE, "name": "红桥区政务服务中心", "district": "红桥区"}
    api.call("POST", "/registry/api/v1/units", unit, status=201)
    hall = {"name_zh": "大厅", "name_en": "Hall", "address": "友谊路", "hours": "9–17"}
    api.call(
        "POST",
        "/registry/api/v1/halls",
        {**hall, "code": "e2e-review-hall", "phone": "022"},
        status=201,
    )
    api.call("POST", "/registry/api/v1/matters", {**builders.MATTER, "code": MATTER}, status=201)
    body = {
        "hall_code": "e2e-review-hall",
        "name_zh": "红桥窗口",
        "name_en": "Hongqiao window",
        "type": "permanent",
        "evidence": builders.EVIDENCE,
        "details": builders.DETAILS,
    }
    window = api.call("POST", "/registry/api/v1/windows", body, headers=UNIT, status=201)
    base = f"/registry/api/v1/windows/{window['id']}"
    inspection = {
        "inspected_on": clock.today().isoformat(),
        "inspectors": ["王", "李"],
        "findings": "ok",
    }
    review = {"held_on": clock.today().isoformat(), "participants": ["市科技局"], "experts": ["张"]}
    agreement = {"matters": [MATTER], "duties": "d", "rights": "r", "requirements": "q"}
    for step, step_body, status in [
        ("inspection", {**inspection, "passed": True}, 200),
        ("review", {**review, "opinion": "agreed", "passed": True}, 200),
        ("letter", {"number": "津科函〔2026〕47号", "issued_on": clock.today().isoformat()}, 200),
        ("agreement", {**agreement, "starts_on": clock.today().isoformat()}, 201),
        ("publication", None, 200),
    ]:
        api.call("POST", f"{base}/{step}", step_body, status=status)
    return api.call("GET", base)  # type: ignore[no-any-return]


def _outbox_event(cluster: Cluster, event_type: str, evaluation_id: int) -> str:
    """The id of the event inspection wrote to its outbox for this evaluation."""
    engine = create_engine(cluster.namespace.database_url("inspection"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, body FROM outbox WHERE type = :type"), {"type": event_type}
            ).all()
    finally:
        engine.dispose()
    [event_id] = [
        r.id for r in rows if json.loads(r.body)["data"]["evaluation_id"] == evaluation_id
    ]
    return str(event_id)


def _staffing_input(cluster: Cluster, evaluation_id: int) -> dict[str, Any] | None:
    engine = create_engine(cluster.namespace.database_url("staffing"))
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT * FROM assessment_inputs WHERE ref = :ref AND kind = 'evaluation'"),
                {"ref": f"evaluation:{evaluation_id}"},
            ).first()
    finally:
        engine.dispose()
    return dict(row._mapping) if row is not None else None
