"""The demo hall (`make run`) shows what issues 6–9 promise, through the API: inspection's plan
with its draw, findings, good and bad reviews, complaints upheld and dismissed, a ranking; an
integrator's signed deliveries; and an assessment cycle that runs to the end (the quota refusal,
finalising, an appeal)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared import clock, demo, embedded
from shared.demo import DemoClient
from shared.embedded import Hall
from shared.testing import TEST_SECRET, wait_for

INSPECTION = "/inspection/api/v1"


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hall]:
    """One demo hall for the module: loading it takes a while."""
    run = uuid.uuid4().hex[:8]
    settings = {
        "jwt_secret": TEST_SECRET,
        "events_exchange": f"govhall.events.{run}",
        "dead_exchange": f"govhall.dead.{run}",
        "queue_prefix": f"{run}.",
    }
    running = embedded.build(Path(tmp_path_factory.mktemp("demo")) / "var", settings)
    running.start()
    assert demo.load(running)
    yield running
    running.stop()


def test_the_demo_inspects_the_hall(hall: Hall) -> None:
    client = DemoClient(hall)
    plans = client.call("GET", f"{INSPECTION}/sampling-plans", role="inspector")
    plans = plans["items"] if isinstance(plans, dict) else plans
    drawn = [p for p in plans if p.get("current_draw_id")]
    assert drawn
    draw = drawn[0]["current_draw_id"]
    verified = client.call("GET", f"{INSPECTION}/draws/{draw}/verify", role="center")
    assert verified["verified"] is True
    findings = client.call("GET", f"{INSPECTION}/findings?limit=100", role="inspector")["items"]
    assert {f["severity"] for f in findings} >= {"minor", "major"}
    reviews = client.call("GET", f"{INSPECTION}/evaluations?limit=200", role="center")["items"]
    levels = {r["level"] for r in reviews}
    assert "very_satisfied" in levels and "very_dissatisfied" in levels
    complaints = client.call("GET", f"{INSPECTION}/complaints?limit=100", role="center")["items"]
    assert {"upheld", "dismissed"} <= {c["status"] for c in complaints}
    if clock.today().day <= 20:  # the demo's cases reach back 24 days: some last month
        assert client.call("GET", f"{INSPECTION}/rankings", role="center")


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
    url = f"/staffing/api/v1/assessments/{year}"
    cycle = client.call("GET", url, role="center")
    assert cycle["state"] == "scored" and 0 < cycle["excellent"] <= cycle["quota"]
    staff = client.call("GET", f"{url}/staff?limit=200", role="center")["items"]
    calibrated = [s for s in staff if s["grade"] != s["proposed_grade"]]
    assert len(calibrated) == 1 and calibrated[0]["grade"] == "excellent"

    # Calibrate one past the quota: finalising is refused (EQ-3.2.2c); put them back.
    room = cycle["quota"] - cycle["excellent"] + 1
    lifted = [s["staff_id"] for s in staff if s["grade"] == "competent"][:room]
    for staff_id in lifted:
        body = {"grade": "excellent", "reason": "try the quota"}
        over = client.call("PUT", f"{url}/staff/{staff_id}/grade", body, role="center")
    assert over["over_by"] == 1
    refused = client.call("POST", f"{url}/finalisation", role="center", expect=(422,))
    assert refused["rule"] == "EQ-3.2.2c"
    for staff_id in lifted:
        back = {"grade": "competent", "reason": "the quota is full"}
        client.call("PUT", f"{url}/staff/{staff_id}/grade", back, role="center")
    assert client.call("POST", f"{url}/finalisation", role="center")["state"] == "finalised"

    weak = next(s for s in staff if s["grade"] == "incompetent")
    record = client.call("GET", f"/staffing/api/v1/staff/{weak['staff_id']}/record", role="center")
    assert record[-1]["award_eligible"] is False
    appeal = client.call(
        "POST",
        f"{url}/staff/{weak['staff_id']}/appeals",
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
    units = client.call("GET", f"{url}/reports/units", role="center")
    assert len(units) > 3 and all(row["weight"] == "0.0500" for row in units)
    response = client.client.get(
        f"{url}/reports/windows?format=csv", headers=client.headers("center")
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
