"""The demo hall (`make run`) shows what issues 6–9 promise, through the API: inspection's plan
with its draw, findings, good and bad reviews, complaints upheld and dismissed, a ranking; an
integrator's signed deliveries; and an assessment cycle that runs to the end (the quota refusal,
finalising, an appeal)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.hall.demo.client import DemoClient
from services.hall.embedded import Hall
from shared import clock
from tests import halls
from tests.support import wait_for

INSPECTION = "/inspection/api/v1"


@pytest.fixture(scope="module")
def hall() -> Iterator[Hall]:
    """One demo hall for the module: loading it takes a while."""
    with halls.demo_hall("demo") as running:
        yield running


def test_the_demo_inspects_the_hall(hall: Hall) -> None:
    client = DemoClient(hall)
    plans = client.call("GET", f"{INSPECTION}/sampling-plans", role="inspector")
    plans = plans["items"] if isinstance(plans, dict) else plans
    drawn = [p for p in plans if p.get("current_draw_id")]
    assert drawn
    draw = drawn[0]["current_draw_id"]
    verified = client.call("GET", f"{INSPECTION}/draws/{draw}/verify", role="center")
    assert verified["verified"] is True
    sampled = client.call("GET", f"{INSPECTION}/draws/{draw}", role="inspector")
    assert sampled["cases"] and sampled["checklist"] == drawn[0]["checklist"]
    assert sampled["selection_size"] == len(sampled["cases"]) <= sampled["population_size"]
    # TJ-7.4: the spot check's windows, each with two inspectors from outside its units.
    draws = client.call("GET", f"{INSPECTION}/draws?kind=spot_check", role="authority")["items"]
    check = client.call("GET", f"{INSPECTION}/draws/{draws[0]['id']}", role="authority")
    pool = client.call("GET", f"{INSPECTION}/inspectors?limit=100", role="authority")["items"]
    barred = {i["id"]: {i["home_unit"], *i["conflicts"]} for i in pool}
    for window in check["windows"]:
        ids = [i["inspector_id"] for i in window["inspectors"]]
        assert len(set(ids)) >= 2, window
        assert not any(barred[i] & {window["unit_code"], *window["co_units"]} for i in ids)
    findings = client.call("GET", f"{INSPECTION}/findings?limit=100", role="inspector")["items"]
    assert {f["severity"] for f in findings} >= {"minor", "major"}
    evidenced = [
        f
        for f in findings
        if client.call("GET", f"{INSPECTION}/findings/{f['id']}", role="inspector")["evidence"]
    ]
    assert evidenced
    reviews = client.call("GET", f"{INSPECTION}/evaluations?limit=200", role="center")["items"]
    levels = {r["level"] for r in reviews}
    assert "very_satisfied" in levels and "very_dissatisfied" in levels
    # Each bad review of the public opened its unit's rectification task (TJ-7.5).
    bad = {r["id"] for r in reviews if r["bad"] and r["source"] == "public"}
    tasks = client.call("GET", f"{INSPECTION}/rectifications?limit=200", role="center")["items"]
    assert bad and bad == {t["evaluation_id"] for t in tasks}
    assert any(t["callback"] for t in tasks)
    complaints = client.call("GET", f"{INSPECTION}/complaints?limit=100", role="center")["items"]
    assert {"upheld", "dismissed"} <= {c["status"] for c in complaints}
    # The ranking of last month, whatever the day the demo was loaded.
    months = client.call("GET", f"{INSPECTION}/rankings", role="center")
    ranking = client.call("GET", f"{INSPECTION}/rankings/{months[0]['month']}", role="center")
    assert any(entry["evaluations"] for entry in ranking["entries"])


def test_the_demo_has_a_window_under_each_sanction(hall: Hall) -> None:
    """TJ-8.1, TJ-8.2: interview, notice and order, suspension and termination, each in force
    on some window, and registry has acted on the heavier ones."""
    client = DemoClient(hall)
    entries = client.call("GET", f"{INSPECTION}/sanctions?limit=200", role="center")["items"]
    kinds = {entry["kind"] for entry in entries}
    assert kinds >= {"interview", "rectification", "suspension", "termination"}
    assert any(e["kind"] == "rectification" and e["status"] == "open" for e in entries)
    states = {
        kind: {
            client.call("GET", f"/registry/api/v1/windows/{e['window_id']}")["state"]
            for e in entries
            if e["kind"] == kind
        }
        for kind in ("suspension", "termination")
    }
    assert states == {"suspension": {"suspended"}, "termination": {"terminated"}}


def test_the_demo_cycle_runs_to_the_end(hall: Hall) -> None:
    client = DemoClient(hall)
    year = clock.today().year
    # The demo's two halls each have a cycle (EQ-3.2.2a); the bigger, Erqi's, is calibrated and
    # run to the end here.
    url, hall_ = f"/staffing/api/v1/assessments/{year}", "?hall=eq-erqi"
    for code in ("eq-erqi", "tj-hall"):
        other = client.call("GET", f"{url}?hall={code}", role="center")
        assert (other["hall_code"], other["state"]) == (code, "scored")
    refused = client.call("GET", url, role="center", expect=(422,))
    assert list(refused["errors"]) == ["hall"]
    cycle = client.call("GET", f"{url}{hall_}", role="center")
    assert cycle["state"] == "scored" and 0 < cycle["excellent"] <= cycle["quota"]
    staff = client.call("GET", f"{url}/staff?limit=200&hall=eq-erqi", role="center")["items"]
    calibrated = [s for s in staff if s["grade"] != s["proposed_grade"]]
    assert len(calibrated) == 1 and calibrated[0]["grade"] == "excellent"

    # Calibrate one past the quota: finalising is refused (EQ-3.2.2c); put them back.
    room = cycle["quota"] - cycle["excellent"] + 1
    lifted = [s["staff_id"] for s in staff if s["grade"] == "competent"][:room]
    for staff_id in lifted:
        body = {"grade": "excellent", "reason": "try the quota"}
        over = client.call("PUT", f"{url}/staff/{staff_id}/grade{hall_}", body, role="center")
    assert over["over_by"] == 1
    refused = client.call("POST", f"{url}/finalisation{hall_}", role="center", expect=(422,))
    assert refused["rule"] == "EQ-3.2.2c"
    for staff_id in lifted:
        back = {"grade": "competent", "reason": "the quota is full"}
        client.call("PUT", f"{url}/staff/{staff_id}/grade{hall_}", back, role="center")
    assert client.call("POST", f"{url}/finalisation{hall_}", role="center")["state"] == "finalised"

    # Tianjin's cycle is finalised on its own; the demo's weakest serves there.
    tianjin = client.call("POST", f"{url}/finalisation?hall=tj-hall", role="center")
    assert tianjin["state"] == "finalised" and tianjin["excellent"] <= tianjin["quota"]
    theirs = client.call("GET", f"{url}/staff?limit=200&hall=tj-hall", role="center")["items"]
    weak = next(s for s in staff + theirs if s["grade"] == "incompetent")
    record = client.call("GET", f"/staffing/api/v1/staff/{weak['staff_id']}/record", role="center")
    assert record[-1]["award_eligible"] is False
    appeal = client.call(
        "POST",
        f"{url}/staff/{weak['staff_id']}/appeals?hall={record[-1]['hall_code']}",
        {"reason": "两天为病假 · two of the days were sick leave"},
        role="unit",
        unit=weak["unit_code"],
    )
    decided = client.call(
        "POST",
        f"/staffing/api/v1/assessments/appeals/{appeal['id']}/decision",
        {"grade": "basically_competent", "note": "the sick notes check out"},
        role="center",
    )
    assert decided["status"] == "upheld"
    units = client.call("GET", f"{url}/reports/units{hall_}", role="center")
    assert len(units) > 3 and all(row["weight"] == "0.0500" for row in units)
    response = client.client.get(
        f"{url}/reports/windows?format=csv&hall=eq-erqi", headers=client.headers("center")
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"


def test_the_demo_has_an_integrator_whose_deliveries_arrive_signed(hall: Hall) -> None:
    client = DemoClient(hall)
    subscriptions = "/notification/api/v1/webhooks/subscriptions"
    (subscription,) = client.call("GET", subscriptions, role="integrator")["items"]

    def delivered() -> Any:
        url = f"{subscriptions}/{subscription['id']}/deliveries?status=delivered"
        return client.call("GET", url, role="integrator")["items"] or None

    assert wait_for(delivered, timeout=20)  # the receiver verified their signatures


def test_the_demo_staffs_the_hall(hall: Hall) -> None:
    """Units with chief representatives, posts with A and B, an approved absence with B
    covering, a staff member due for rotation and a seal with uses (EQ-3.1b, EQ-3.2.3,
    EQ-3.2.5, EQ-4.2)."""
    client = DemoClient(hall)
    staffing = "/staffing/api/v1"
    windows = client.call("GET", "/registry/api/v1/directory?limit=200", role="center")["items"]
    units = {w["unit"]["code"] for w in windows}
    assert len(units) > 1
    for unit in units:
        chief = client.call("GET", f"{staffing}/chief-representatives/{unit}", role="center")
        assert chief["staff_id"] and chief["deputy_staff_id"] and chief["full_time"]
        assert len(chief["powers"]) == 5

    seats = client.call("GET", f"{staffing}/posts", role="center")
    assert {s["window_id"] for s in seats} >= {w["id"] for w in windows}
    assert all(s["a"] and s["b"] for s in seats)

    approved = client.call("GET", f"{staffing}/absences?status=approved", role="center")["items"]
    assert approved
    absence = approved[0]
    (seat,) = [s for s in seats if s["post_id"] == absence["post_id"]]
    assert absence["staff_id"] == seat["a"] and absence["cover_staff_id"] == seat["b"]
    cover = client.call(
        "GET",
        f"{staffing}/cover?window_id={absence['window_id']}&on={absence['starts_on']}",
        role="center",
    )
    (at_post,) = [c for c in cover if c["post_id"] == absence["post_id"]]
    assert at_post["present"] == seat["b"] and at_post["covering"] is True

    due = client.call("GET", f"{staffing}/rotations/due", role="center")
    assert due and {d["status"] for d in due} <= {"due", "overdue"}
    assert all(d["years_on_post"] >= 2 for d in due)

    (seal, *_) = client.call("GET", f"{staffing}/seals", role="center")
    uses = client.call("GET", f"{staffing}/seals/{seal['id']}/uses", role="center")["items"]
    assert uses and all(u["allowed"] and u["purpose"] == "approval" for u in uses)
    assert {u["staff_id"] for u in uses} == {seal["custodian_a"], seal["custodian_b"]}


def _gauge(hall: Hall, service: str, name: str, *labels: str) -> dict[tuple[str, ...], float]:
    """A business gauge as /metrics shows it: the values of `labels` → value."""
    text = DemoClient(hall).client.get(f"/{service}/metrics").get_data(as_text=True)
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sample.labels[label] for label in labels)] = sample.value
    return found


def _all(client: DemoClient, path: str, role: str = "center") -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        page = client.call(
            "GET", f"{path}limit=200" + (f"&cursor={cursor}" if cursor else ""), role=role
        )
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


def test_the_business_gauges_show_what_the_apis_show(hall: Hall) -> None:
    client = DemoClient(hall)
    windows = _all(client, "/registry/api/v1/windows?state=active&")
    open_by_type = Counter(w["type"] for w in windows if w["is_open"])
    shown = _gauge(hall, "registry", "govhall_registry_windows_open", "type")
    assert shown == {
        (t,): float(open_by_type[t])
        for t in ("comprehensive", "emergency", "permanent", "seasonal")
    }
    cases = _all(client, "/registry/api/v1/cases?open=true&")
    by_warning = Counter(c["warning"] for c in cases)
    shown = _gauge(hall, "registry", "govhall_registry_cases_open", "warning")
    assert shown == {(w,): float(by_warning[w]) for w in ("none", "red", "yellow")} and by_warning
    sanctions = _all(client, f"{INSPECTION}/sanctions?")
    in_force = Counter(
        s["kind"] for s in sanctions if s["status"] in ("in_force", "open", "reported")
    )
    shown = _gauge(hall, "inspection", "govhall_inspection_sanctions_in_force", "kind")
    assert {k: v for k, v in shown.items() if v} == {(k,): float(n) for k, n in in_force.items()}
    year = clock.today().year
    staff = [  # the gauge counts every hall's cycle of the year
        row
        for code in ("eq-erqi", "tj-hall")
        for row in _all(client, f"/staffing/api/v1/assessments/{year}/staff?hall={code}&")
    ]
    grades = Counter(s["grade"] or "none" for s in staff)
    shown = _gauge(hall, "staffing", "govhall_staffing_assessment_staff", "year", "grade")
    assert {g: v for (y, g), v in shown.items() if y == str(year)} == {
        g: float(n) for g, n in grades.items()
    }
