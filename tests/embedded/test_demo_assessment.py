"""Issue 6's "done when": the demo hall's assessment runs its full cycle through the API —
proposed and calibrated by the demo, then the quota refusal, finalising, an appeal, reports."""

from __future__ import annotations

from shared import clock, demo
from shared.embedded import Hall


def test_the_demo_cycle_runs_to_the_end(hall: Hall) -> None:
    assert demo.load(hall)
    client = demo.DemoClient(hall)
    year = clock.today().year
    url = f"/staffing/api/v1/assessments/{year}"
    cycle = client.call("GET", url, role="center")
    assert cycle["state"] == "scored" and cycle["excellent"] == cycle["quota"] > 0
    staff = client.call("GET", f"{url}/staff?limit=200", role="center")["items"]
    calibrated = [s for s in staff if s["grade"] != s["proposed_grade"]]
    assert len(calibrated) == 1 and calibrated[0]["grade"] == "excellent"

    one_more = next(s for s in staff if s["grade"] == "competent")
    body = {"grade": "excellent", "reason": "try the quota"}
    over = client.call("PUT", f"{url}/staff/{one_more['staff_id']}/grade", body, role="center")
    assert over["over_by"] == 1
    refused = client.call("POST", f"{url}/finalisation", role="center", expect=(422,))
    assert refused["rule"] == "EQ-3.2.2c"
    back = {"grade": "competent", "reason": "the quota is full"}
    client.call("PUT", f"{url}/staff/{one_more['staff_id']}/grade", back, role="center")
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
