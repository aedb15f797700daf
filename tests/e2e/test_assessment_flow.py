"""The annual assessment fed by events (EQ-3.2.2a–d): real case steps from registry, and the
evaluations, upheld complaints and findings inspection will publish (published here by hand, as
inspection would), move each score exactly as scheme v1 says; every service a separate process
on RabbitMQ and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from kombu import Connection, Producer

import services.registry.contracts  # noqa: F401  (stub_event looks registry's types up)
from shared import clock
from tests import builders
from tests.e2e.conftest import Cluster
from tests.e2e.test_window_lifecycle import Api
from tests.staffing.builders import id_number
from tests.support import AMQP_URL, bearer, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
UNIT_CODE = "e2e-assess-unit"
UNIT = bearer("unit", UNIT_CODE)
CENTER = bearer("center")
MATTER = "e2e-assess-permit"
ASSESSMENTS = "/staffing/api/v1/assessments"
# Each hall has its own cycle (EQ-3.2.2a), and the shared cluster knows other tests' halls.
HALL = "?hall=e2e-assess-hall"
NEUTRAL = {"base": "60.00", "timeliness": "15.00", "satisfaction": "11.25"}


def test_case_evaluation_and_complaint_events_move_the_scores_as_the_scheme_says(
    cluster: Cluster,
) -> None:
    api = Api(cluster)
    year = clock.today().year
    window = _published_window(api)
    x, y = _posted_staff(api, window["id"])

    opened = api.call("POST", f"{ASSESSMENTS}{HALL}", {"year": year}, headers=CENTER, status=201)
    assert opened["state"] == "open" and opened["assessed"] >= 5
    api.call("POST", f"{ASSESSMENTS}/{year}/scoring{HALL}", headers=CENTER)
    for member in (x, y):  # nothing has happened yet: three quarters of each reward
        result = _result(api, year, member["id"])
        assert (result["total"], result["components"]) == ("86.25", NEUTRAL)

    case_steps = _real_case_steps(api, window["id"], x["id"])
    good, also_good, bad = (
        _publish(cluster, "inspection.evaluation.submitted", _evaluation(window, x["id"], i, score))
        for i, score in ((7001, 5), (7002, 5), (7003, 1))
    )
    complaint = _publish(cluster, "inspection.complaint.upheld", _complaint(window, x["id"], 7101))
    late = _late_case_step(cluster, window, y["id"])
    y_review = _publish(
        cluster, "inspection.evaluation.submitted", _evaluation(window, y["id"], 7004, 1)
    )
    finding = _publish(
        cluster, "inspection.finding.recorded", _finding(window, y["id"], 7201, "serious")
    )
    against_window = _publish(
        cluster, "inspection.finding.recorded", _finding(window, None, 7202, "minor")
    )

    x_seen = _explained(api, year, x["id"], {*case_steps, good, also_good, bad, complaint})
    y_seen = _explained(api, year, y["id"], {late, y_review, finding})
    # Facts arrived after scoring: the explanation shows them, the stored score does not yet.
    assert (x_seen["total"], x_seen["scored_total"], x_seen["stale"]) == ("86.00", "86.25", True)
    assert y_seen["stale"] is True
    api.call("POST", f"{ASSESSMENTS}/{year}/scoring{HALL}", headers=CENTER)
    # 60 + 20 × 2/2 on time + 15 × (11/3 − 1)/4 − 4 per upheld complaint
    moved = {"timeliness": "20.00", "satisfaction": "10.00", "complaint_upheld": "-4.00"}
    _assert_score(api, year, x["id"], "86.00", moved)
    # 60 + 20 × 0/1 on time + 15 × (1 − 1)/4 − 6 per serious finding
    moved = {"timeliness": "0.00", "satisfaction": "0.00", "finding": "-6.00"}
    _assert_score(api, year, y["id"], "54.00", moved)
    lines = {line["source"]: line for line in _explanation(api, year, x["id"])["lines"]}
    points = [lines[f"event:{e}"]["points"] for e in (*case_steps, good, also_good, bad, complaint)]
    assert points == ["10.00", "10.00", "5.00", "5.00", "0.00", "-4.00"]

    _publish(cluster, "inspection.evaluation.voided", _evaluation(window, x["id"], 7003, 1))
    wait_for(lambda: _explanation(api, year, x["id"])["total"] == "91.00", timeout=20, interval=0.2)
    api.call("POST", f"{ASSESSMENTS}/{year}/scoring{HALL}", headers=CENTER)
    # The bad review withdrawn on appeal: 15 × (5 − 1)/4 for the two that stand.
    moved = {"timeliness": "20.00", "satisfaction": "15.00", "complaint_upheld": "-4.00"}
    x_final = _assert_score(api, year, x["id"], "91.00", moved)
    assert f"event:{bad}" not in {line["source"] for line in x_final["lines"]}
    assert _result(api, year, x["id"])["proposed_grade"] == "excellent"
    assert _result(api, year, y["id"])["proposed_grade"] == "incompetent"
    # The window: its five staff's average (91 + 54 + 3 × 86.25) / 5, less 1 for its own finding
    # (published before the withdrawal waited for above, on the same queue).
    [own] = [
        w
        for w in api.call("GET", f"{ASSESSMENTS}/{year}/reports/windows{HALL}", headers=CENTER)
        if w["window_id"] == window["id"]
    ]
    assert (own["total"], own["staff_count"]) == ("79.75", 5)
    assert own["components"] == {"staff_average": "80.75", "finding": "-1.00"}

    final = api.call("POST", f"{ASSESSMENTS}/{year}/finalisation{HALL}", headers=CENTER)
    assert final["state"] == "finalised" and final["over_by"] == 0
    _assert_unit_told(api, year, {x["id"]: "excellent", y["id"]: "incompetent"})
    # EQ-3.2.2b: the window's 79.75 counts in the unit's annual target at the 5% default weight.
    [target] = api.call("GET", f"{ASSESSMENTS}/{year}/reports/units{HALL}", headers=UNIT)
    assert target == {
        "unit_code": UNIT_CODE,
        "windows": 1,
        "window_average": "79.75",
        "weight": "0.0500",
        "points": "3.99",
        "excellent": 1,
        "competent": 3,
        "basically_competent": 0,
        "incompetent": 1,
    }
    dead = api.call("GET", "/staffing/api/v1/dead-letters", headers=CENTER)["items"]
    fed = {good, also_good, bad, complaint, late, y_review, finding, against_window}
    assert [d for d in dead if d["event_id"] in fed] == []


# --- the window, its staff and the facts --------------------------------------------------------


def _published_window(api: Api) -> dict[str, Any]:
    unit = {"code": UNIT_CODE, "name": "南开区政务服务中心", "district": "南开区"}
    api.call("POST", "/registry/api/v1/units", unit, status=201)
    hall = {"name_zh": "大厅", "name_en": "Hall", "address": "友谊路", "hours": "9–17"}
    api.call(
        "POST",
        "/registry/api/v1/halls",
        {**hall, "code": "e2e-assess-hall", "phone": "022"},
        status=201,
    )
    api.call("POST", "/registry/api/v1/matters", {**builders.MATTER, "code": MATTER}, status=201)
    body = {
        "hall_code": "e2e-assess-hall",
        "name_zh": "南开窗口",
        "name_en": "Nankai window",
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
        ("letter", {"number": "津科函〔2026〕31号", "issued_on": clock.today().isoformat()}, 200),
        ("agreement", {**agreement, "starts_on": clock.today().isoformat()}, 201),
        ("publication", None, 200),
    ]:
        api.call("POST", f"{base}/{step}", step_body, status=status)
    return api.call("GET", base)


def _posted_staff(api: Api, window_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """X and Y, and three more so that 20% of the assessed allows one excellent (EQ-3.2.2c)."""

    def post(name: str) -> dict[str, Any]:
        body = {"window_id": window_id, "name": name}
        return api.call("POST", "/staffing/api/v1/posts", body, headers=UNIT, status=201)

    # Staffing has learned of the window once it takes a post for it.
    posts = [
        wait_for(lambda: post("受理 1"), timeout=20, interval=0.2),
        post("受理 2"),
        post("受理 3"),
    ]
    people = [
        _register(api, name, date(1988, 4, day))
        for day, name in enumerate(("郑一", "郑二", "郑三", "郑四", "郑五"), start=1)
    ]
    for i, member in enumerate(people):
        api.call(
            "POST",
            f"/staffing/api/v1/posts/{posts[i // 2]['id']}/assignments",
            {"staff_id": member["id"], "role": "AB"[i % 2]},
            headers=UNIT,
            status=201,
        )
    return people[0], people[1]


def _register(api: Api, name: str, birth: date) -> dict[str, Any]:
    body = {
        "name": name,
        "id_number": id_number(birth),
        "phone": "13812345678",
        "birth_date": birth.isoformat(),
        "employment": "civil_servant",
        "law_enforcement_cert": "津执法 120000777",
        "work_started_on": "2012-07-01",
        "knows_approval_work": True,
    }
    return api.call("POST", "/staffing/api/v1/staff", body, headers=UNIT, status=201)


def _real_case_steps(api: Api, window_id: int, staff_id: str) -> list[str]:
    """A case accepted and handled by `staff_id` at the window, through registry's API: the ids
    of the two events staffing recorded, oldest first. Neither step is done after the due date,
    so both are on time."""
    body = {"window_id": window_id, "matter_code": MATTER, "applicant": "Mr. Li"}
    case = api.call(
        "POST", "/registry/api/v1/cases", {**body, "staff_id": staff_id}, headers=UNIT, status=201
    )
    step = {"stage": "handled", "staff_id": staff_id}
    api.call("POST", f"/registry/api/v1/cases/{case['id']}/steps", step, headers=UNIT)

    def both_recorded() -> list[dict[str, Any]] | None:
        rows = api.call("GET", f"/staffing/api/v1/case-work?staff_id={staff_id}")
        return rows if len(rows) == 2 else None

    work = wait_for(both_recorded, timeout=20, interval=0.2)
    stages = {row["stage"]: row for row in work}
    assert sorted(stages) == ["accepted", "handled"]
    assert not any(row["overdue"] for row in work)
    return [stages["accepted"]["event_id"], stages["handled"]["event_id"]]


def _late_case_step(cluster: Cluster, window: dict[str, Any], staff_id: str) -> str:
    """A delivery after the due date. Registry cannot be made to publish one in real time (a case
    is due days after acceptance), so this one is published by hand, as registry would."""
    today = clock.today()
    accepted_on = today - timedelta(days=30)
    return _publish(
        cluster,
        "registry.case.advanced",
        {
            "case_id": 9_000_001,
            "receipt_number": f"{accepted_on:%Y%m%d}09000001",
            "window_id": window["id"],
            "unit_code": window["unit_code"],
            "matter_code": MATTER,
            "stage": "delivered",
            "staff_id": staff_id,
            "accepted_on": accepted_on.isoformat(),
            "due_on": (today - timedelta(days=2)).isoformat(),
            "paused": False,
            "on": today.isoformat(),
            "overdue": True,
        },
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _evaluation(window: dict[str, Any], staff_id: str, ref: int, score: int) -> dict[str, Any]:
    levels = {5: "very_satisfied", 1: "very_dissatisfied"}
    return {
        "evaluation_id": ref,
        "window_id": window["id"],
        "unit_code": window["unit_code"],
        "staff_id": staff_id,
        "level": levels[score],
        "score": score,
        "source": "public",
        "submitted_at": _now(),
    }


def _complaint(window: dict[str, Any], staff_id: str, ref: int) -> dict[str, Any]:
    return {
        "complaint_id": ref,
        "window_id": window["id"],
        "unit_code": window["unit_code"],
        "staff_id": staff_id,
        "misconduct": "buck_passing",
        "summary": "sent the applicant away twice",
        "decided_at": _now(),
    }


def _finding(
    window: dict[str, Any], staff_id: str | None, ref: int, severity: str
) -> dict[str, Any]:
    return {
        "finding_id": ref,
        "window_id": window["id"],
        "unit_code": window["unit_code"],
        "staff_id": staff_id,
        "severity": severity,
        "rule": "TJ-7.2",
        "summary": "spot check",
        "recorded_at": _now(),
    }


def _publish(cluster: Cluster, name: str, data: dict[str, Any]) -> str:
    """Publish `govhall.<name>.v1` onto the cluster's exchange; the event's id."""
    event_type = f"govhall.{name}.v1"
    body = builders.stub_event(event_type, data)
    with Connection(AMQP_URL) as connection:
        Producer(connection.default_channel).publish(
            body, exchange=cluster.namespace.exchange, routing_key=event_type, delivery_mode=2
        )
    return str(json.loads(body)["id"])


# --- reading the assessment back ----------------------------------------------------------------


def _result(api: Api, year: int, staff_id: str) -> dict[str, Any]:
    return api.call("GET", f"{ASSESSMENTS}/{year}/staff/{staff_id}{HALL}", headers=CENTER)


def _explanation(api: Api, year: int, staff_id: str) -> dict[str, Any]:
    explained = api.call(
        "GET", f"{ASSESSMENTS}/{year}/staff/{staff_id}/explanation{HALL}", headers=CENTER
    )
    points = sum((Decimal(line["points"]) for line in explained["lines"]), Decimal(0))
    assert points == Decimal(explained["total"]), explained  # the lines add up, always
    return explained


def _explained(api: Api, year: int, staff_id: str, event_ids: set[str]) -> dict[str, Any]:
    """The explanation once it names every one of `event_ids`."""
    wanted = {f"event:{e}" for e in event_ids}

    def naming_them() -> dict[str, Any] | None:
        explained = _explanation(api, year, staff_id)
        return explained if wanted <= {line["source"] for line in explained["lines"]} else None

    return wait_for(naming_them, timeout=20, interval=0.2)


def _assert_score(
    api: Api, year: int, staff_id: str, total: str, moved: dict[str, str]
) -> dict[str, Any]:
    """The stored score and its explanation agree; components not `moved` are still neutral."""
    result = _result(api, year, staff_id)
    explained = _explanation(api, year, staff_id)
    assert (result["total"], explained["total"], explained["stale"]) == (total, total, False)
    assert result["components"] == explained["components"]
    assert result["components"] == {**NEUTRAL, **moved}
    return explained


def _assert_unit_told(api: Api, year: int, grades: dict[str, str]) -> None:
    """EQ-3.2.2d: the home unit hears of excellent and incompetent grades."""
    subjects = {f"{year}/{staff_id}": grade for staff_id, grade in grades.items()}

    def told() -> dict[str, str] | None:
        english = {**UNIT, "Accept-Language": "en"}  # the grades as the contract spells them
        notices = api.call("GET", "/notification/api/v1/notices?limit=200", headers=english)
        seen = {
            n["subject"]: n["title"]
            for n in notices["items"]
            if n["event_type"] == "govhall.staffing.assessment.grade_recorded.v1"
        }
        return seen if set(seen) == set(subjects) else None

    titles = wait_for(told, timeout=20, interval=0.2)
    for subject, grade in subjects.items():
        assert f" {grade}: " in titles[subject] and "EQ-3.2.2d" in titles[subject]
