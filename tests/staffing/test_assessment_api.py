"""The annual assessment through the API (EQ-3.2.2a–d): inputs from events and records, scores
that explain themselves, the 20% quota, consequences, appeals, the 5% weight and the reports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from sqlalchemy import insert
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.staffing.adapters import tables
from shared import clock
from shared.sqltypes import utcnow
from tests import builders
from tests.builders import ok, stub_event
from tests.staffing import builders as staffing
from tests.support import bearer, wait_for

HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
CENTER = bearer("center")
A = "/staffing/api/v1/assessments"
TODAY = date(2026, 12, 15)
Publish = Callable[[str, str], None]
_ids = count(1)


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _case_steps(publish: Publish, window: dict[str, Any], staff_id: str, late: int, n: int) -> None:
    for i in range(n):
        data = {
            "case_id": next(_ids),
            "receipt_number": f"HX-{i}",
            "window_id": window["id"],
            "unit_code": "tj-hexi",
            "matter_code": "work-permit-long",
            "stage": "handled",
            "staff_id": staff_id,
            "accepted_on": "2026-03-02",
            "due_on": "2026-03-20",
            "paused": False,
            "on": "2026-03-10",
            "overdue": i < late,
        }
        event = "govhall.registry.case.advanced.v1"
        publish(event, stub_event(event, data))


def _inspection(publish: Publish, kind: str, data: dict[str, Any]) -> None:
    event = f"govhall.inspection.{kind}.v1"
    publish(event, stub_event(event, data))


def _evaluations(
    publish: Publish, window: dict[str, Any], staff_id: str, scores: list[int]
) -> None:
    levels = {5: "very_satisfied", 4: "satisfied", 3: "basically_satisfied", 2: "dissatisfied"}
    for score in scores:
        _inspection(
            publish,
            "evaluation.submitted",
            {
                "evaluation_id": next(_ids),
                "window_id": window["id"],
                "unit_code": "tj-hexi",
                "staff_id": staff_id,
                "level": levels.get(score, "very_dissatisfied"),
                "score": score,
                "source": "public",
                "submitted_at": "2026-04-01T02:00:00+00:00",
            },
        )


_complaint_ids: list[int] = []


def _complaint(publish: Publish, window: dict[str, Any], staff_id: str, n: int) -> None:
    _complaint_ids.append(next(_ids) + n)
    _inspection(
        publish,
        "complaint.upheld",
        {
            "complaint_id": _complaint_ids[-1],
            "window_id": window["id"],
            "unit_code": "tj-hexi",
            "staff_id": staff_id,
            "misconduct": "buck_passing",
            "summary": "sent the applicant away twice",
            "decided_at": "2026-05-01T02:00:00+00:00",
        },
    )


def _train(client: Client, staff_id: str, hours: int) -> None:
    body = {
        "staff_id": staff_id,
        "course": "政务服务礼仪",
        "hours": hours,
        "provider": "authority",
        "held_on": "2026-06-01",
    }
    ok(client.post("/staffing/api/v1/trainings", json=body, headers=HEXI), 201)


def _hall_of_six(client: Client, publish: Publish) -> dict[str, Any]:
    """Six staff on three posts since New Year: a star, a runner-up, a weak one, three quiet."""
    window = staffing.window_known_to_staffing(client)
    names = ("张伟", "李娜", "王芳", "刘洋", "陈静", "赵磊")
    people = {}
    seats = [staffing.post(client, window["id"], f"岗{n}") for n in range(3)]
    for i, name in enumerate(names):
        seat = seats[i // 2]
        member = staffing.person(client, "tj-hexi", name)
        body = {"staff_id": member["id"], "role": "AB"[i % 2], "starts_on": "2026-01-01"}
        url = f"/staffing/api/v1/posts/{seat['id']}/assignments"
        ok(client.post(url, json=body, headers=CENTER), 201)  # since New Year: the center's
        people[name] = member["id"]
    star, runner_up, weak = people["张伟"], people["李娜"], people["王芳"]
    _case_steps(publish, window, star, late=0, n=10)
    _evaluations(publish, window, star, [5, 5, 5])
    _train(client, star, 20)
    _case_steps(publish, window, runner_up, late=0, n=10)
    _evaluations(publish, window, runner_up, [4, 4])
    _train(client, runner_up, 20)
    _case_steps(publish, window, weak, late=5, n=10)
    _complaint(publish, window, weak, 1)
    _complaint(publish, window, weak, 2)
    for day in range(1, 9):  # 60 + 10 + 11.25 − 2 × 4 − 8 × 2 = 57.25: incompetent
        url = f"/staffing/api/v1/attendance/{weak}/2026-09-{day:02d}"
        ok(client.put(url, json={"status": "absent_unapproved"}, headers=HEXI))
    ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    # staffing takes registry's and inspection's events in on its own time
    wait_for(lambda: _lines(client, weak, "complaint_upheld") == 2, timeout=10)
    wait_for(lambda: _lines(client, weak, "timeliness") == 10, timeout=10)
    wait_for(lambda: _lines(client, runner_up, "satisfaction") == 2, timeout=10)
    wait_for(lambda: _lines(client, star, "satisfaction") == 3, timeout=10)
    return {"window": window, **people}


def _lines(client: Client, staff_id: str, component: str) -> int:
    lines = ok(client.get(f"{A}/2026/staff/{staff_id}/explanation", headers=CENTER))["lines"]
    return sum(1 for line in lines if line["component"] == component and line["source"])


def test_a_full_cycle_within_the_quota(client: Client, hall: Hall, publish: Publish) -> None:
    staff = _hall_of_six(client, publish)
    star, runner_up, weak = staff["张伟"], staff["李娜"], staff["王芳"]
    opened = ok(client.get(f"{A}/2026", headers=CENTER))
    assert (opened["state"], opened["assessed"], opened["quota"]) == ("open", 6, 1)

    scored = ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    assert scored["state"] == "scored" and scored["excellent"] == 1
    shown = ok(client.get(f"{A}/2026/staff/{star}", headers=HEXI))
    assert (Decimal(shown["total"]), shown["grade"]) == (Decimal("100.00"), "excellent")
    second = ok(client.get(f"{A}/2026/staff/{runner_up}", headers=HEXI))
    assert Decimal(second["total"]) == Decimal("96.25")  # 60 + 20 + 11.25 + 5
    assert (second["proposed_grade"], second["grade"]) == ("competent", "competent")
    assert ok(client.get(f"{A}/2026/staff/{weak}", headers=HEXI))["grade"] == "incompetent"

    # Calibration may pass the quota; finalising may not (EQ-3.2.2c).
    up = {"grade": "excellent", "reason": "led the cross-window pilot"}
    over = ok(client.put(f"{A}/2026/staff/{runner_up}/grade", json=up, headers=CENTER))
    assert (over["excellent"], over["quota"], over["over_by"]) == (2, 1, 1)
    refused = client.post(f"{A}/2026/finalisation", headers=CENTER)
    assert refused.status_code == 422 and refused.json["rule"] == "EQ-3.2.2c"
    assert ok(client.get(f"{A}/2026", headers=CENTER))["state"] == "scored"
    down = {"grade": "competent", "reason": "the quota is one"}
    ok(client.put(f"{A}/2026/staff/{runner_up}/grade", json=down, headers=CENTER))
    history = ok(client.get(f"{A}/2026/staff/{runner_up}", headers=CENTER))["changes"]
    assert [(c["after"], c["reason"]) for c in history] == [
        ("excellent", "led the cross-window pilot"),
        ("competent", "the quota is one"),
    ]

    final = ok(client.post(f"{A}/2026/finalisation", headers=CENTER))
    assert final["state"] == "finalised" and final["finalised_on"] == "2026-12-15"
    record = ok(client.get(f"/staffing/api/v1/staff/{weak}/record", headers=HEXI))
    assert [(r["grade"], r["award_eligible"]) for r in record] == [("incompetent", False)]
    starred = ok(client.get(f"/staffing/api/v1/staff/{star}/record", headers=HEXI))
    assert starred[0]["promotion_priority"] is True
    notices = wait_for(lambda: _notices(client, HEXI, "assessment.grade_recorded", 2), timeout=10)
    assert any("张伟" in n for n in notices) and any("王芳" in n for n in notices)


def test_explanations_add_up_and_name_their_sources(client: Client, publish: Publish) -> None:
    staff = _hall_of_six(client, publish)
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    for staff_id in (staff["张伟"], staff["王芳"], staff["刘洋"]):
        told = ok(client.get(f"{A}/2026/staff/{staff_id}/explanation", headers=HEXI))
        assert sum(Decimal(line["points"]) for line in told["lines"]) == Decimal(told["total"])
        assert told["total"] == told["scored_total"] and told["stale"] is False
    weak = ok(client.get(f"{A}/2026/staff/{staff['王芳']}/explanation", headers=CENTER))
    sources = {line["source"] for line in weak["lines"] if line["source"]}
    assert any(s.startswith("event:") for s in sources)  # case steps and complaints
    assert any(s.startswith("attendance:") for s in sources)
    late = [ln for ln in weak["lines"] if ln["component"] == "timeliness" and "late" in ln["note"]]
    assert len(late) == 5 and all(Decimal(ln["points"]) == 0 for ln in late)


def test_appeals_respect_the_quota_and_rewrite_the_record(
    client: Client, publish: Publish, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = _hall_of_six(client, publish)
    runner_up, weak = staff["李娜"], staff["王芳"]
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    early = client.post(f"{A}/2026/staff/{weak}/appeals", json={"reason": "x"}, headers=HEXI)
    assert early.status_code == 409  # not finalised yet
    ok(client.post(f"{A}/2026/finalisation", headers=CENTER))

    why = {"reason": "the pilot's results came in late"}
    appeal = ok(client.post(f"{A}/2026/staff/{runner_up}/appeals", json=why, headers=HEXI), 201)
    assert (
        client.post(f"{A}/2026/staff/{runner_up}/appeals", json=why, headers=NANKAI).status_code
        == 404
    )
    decision = f"{A}/appeals/{appeal['id']}/decision"
    full = client.post(decision, json={"grade": "excellent", "note": "agreed"}, headers=CENTER)
    assert full.status_code == 422 and full.json["rule"] == "EQ-3.2.2c"
    dismissed = ok(client.post(decision, json={"note": "the quota is full"}, headers=CENTER))
    assert (dismissed["status"], dismissed["decided_grade"]) == ("dismissed", "competent")

    upheld_appeal = ok(
        client.post(f"{A}/2026/staff/{weak}/appeals", json={"reason": "sick leave"}, headers=HEXI),
        201,
    )
    body = {"grade": "basically_competent", "note": "the absences were approved late"}
    url = f"{A}/appeals/{upheld_appeal['id']}/decision"
    assert ok(client.post(url, json=body, headers=CENTER))["status"] == "upheld"
    record = ok(client.get(f"/staffing/api/v1/staff/{weak}/record", headers=HEXI))
    assert [(r["grade"], r["award_eligible"]) for r in record] == [("basically_competent", True)]

    listed = ok(client.get(f"{A}/2026/appeals", headers=HEXI))
    assert [(a["staff_id"], a["status"]) for a in listed] == [
        (runner_up, "dismissed"),
        (weak, "upheld"),
    ]
    assert ok(client.get(f"{A}/2026/appeals", headers=NANKAI)) == []
    assert client.get(f"/staffing/api/v1/staff/{weak}/record", headers=NANKAI).status_code == 404
    monkeypatch.setattr(clock, "today", lambda: date(2027, 1, 15))  # 31 days on
    late = client.post(f"{A}/2026/staff/{staff['刘洋']}/appeals", json=why, headers=HEXI)
    assert late.status_code == 409 and "2027-01-14" in late.json["detail"]


def test_the_windows_weigh_at_least_5_percent_in_the_unit_target(
    client: Client, publish: Publish
) -> None:
    _hall_of_six(client, publish)
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    url = f"{A}/2026/units/tj-hexi/weight"
    low = client.put(url, json={"weight": "0.0499"}, headers=CENTER)
    assert (
        low.status_code == 422
        and low.json["rule"] == "EQ-3.2.2b"
        and "weight" in low.json["errors"]
    )
    assert client.put(url, json={"weight": "0.08"}, headers=HEXI).status_code == 403
    ok(client.put(url, json={"weight": "0.08"}, headers=CENTER))
    (row,) = ok(client.get(f"{A}/2026/reports/units", headers=HEXI))
    assert row["unit_code"] == "tj-hexi" and Decimal(row["weight"]) == Decimal("0.08")
    assert Decimal(row["points"]) == (Decimal(row["window_average"]) * Decimal("0.08")).quantize(
        Decimal("0.01")
    )
    assert ok(client.get(f"{A}/2026/reports/units", headers=NANKAI)) == []
    download = client.get(f"{A}/2026/reports/units?format=csv", headers=CENTER)
    assert (
        download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0]["unit_code"] == "tj-hexi" and rows[0]["incompetent"] == "1"
    windows = client.get(f"{A}/2026/reports/windows", headers={**HEXI, "Accept": "text/csv"})
    assert windows.mimetype == "text/csv"
    staff_csv = client.get(f"{A}/2026/staff?format=csv", headers=HEXI).get_data(as_text=True)
    assert len(staff_csv.strip().splitlines()) == 7  # the header and six staff


def test_only_the_center_runs_the_cycle_and_units_see_their_own(
    client: Client, publish: Publish
) -> None:
    assert client.post(A, json={"year": 2026}, headers=HEXI).status_code == 403
    assert client.post(A, json={"year": 2027}, headers=CENTER).status_code == 422
    weak_weight = client.post(A, json={"year": 2026, "window_weight": "0.01"}, headers=CENTER)
    assert weak_weight.status_code == 422 and weak_weight.json["rule"] == "EQ-3.2.2b"
    _hall_of_six(client, publish)
    assert client.post(A, json={"year": 2026}, headers=CENTER).status_code == 409
    assert client.post(f"{A}/2026/scoring", headers=HEXI).status_code == 403
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    assert ok(client.get(f"{A}/2026/staff", headers=NANKAI))["items"] == []
    assert len(ok(client.get(f"{A}/2026/staff", headers=HEXI))["items"]) == 6
    someone = ok(client.get(f"{A}/2026/staff?limit=1", headers=HEXI))["items"][0]["staff_id"]
    assert client.get(f"{A}/2026/staff/{someone}", headers=NANKAI).status_code == 404
    assert client.get(f"{A}/2026/staff/{someone}/explanation", headers=NANKAI).status_code == 404


def _notices(client: Client, headers: dict[str, str], event: str, n: int) -> list[str] | None:
    items = ok(client.get("/notification/api/v1/notices?limit=200", headers=headers))["items"]
    titles = [i["title"] for i in items if i["event_type"].endswith(f"{event}.v1")]
    return titles if len(titles) >= n else None


def test_chief_representatives_and_deputies_are_assessed_too(client: Client) -> None:
    staffing.window_known_to_staffing(client)  # they belong to the hall of their unit's windows
    chief, deputy = (staffing.person(client, "tj-hexi", n) for n in ("王主任", "李副"))
    body = {"staff_id": chief["id"], "deputy_staff_id": deputy["id"], "starts_on": "2026-07-01"}
    url = "/staffing/api/v1/chief-representatives/tj-hexi"
    ok(client.put(url, json=body, headers=CENTER), 201)
    opened = ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    assert opened["assessed"] == 2
    shown = ok(client.get(f"{A}/2026/staff/{chief['id']}", headers=HEXI))
    assert (shown["window_id"], shown["served_days"], shown["year_days"]) == (None, 184, 365)


def test_a_withdrawal_that_overtakes_its_evaluation_still_withdraws_it(
    client: Client, publish: Publish
) -> None:
    window, _post, a, b = staffing.staffed_post(client)
    ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    review = {
        "evaluation_id": 777,
        "window_id": window["id"],
        "unit_code": "tj-hexi",
        "staff_id": a["id"],
        "level": "very_dissatisfied",
        "score": 1,
        "source": "public",
        "submitted_at": "2026-12-01T02:00:00+00:00",
    }
    _inspection(publish, "evaluation.voided", review)  # delivered first: the other was retried
    _inspection(publish, "evaluation.submitted", {**review, "evaluation_id": 778, "score": 5})
    _inspection(publish, "evaluation.submitted", review)
    marker = {**review, "evaluation_id": 779, "staff_id": b["id"], "score": 4}
    _inspection(publish, "evaluation.submitted", marker)  # one queue: taken in after the 1
    wait_for(lambda: _lines(client, b["id"], "satisfaction") == 1, timeout=10)
    told = ok(client.get(f"{A}/2026/staff/{a['id']}/explanation", headers=CENTER))
    (line,) = [ln for ln in told["lines"] if ln["component"] == "satisfaction"]
    assert Decimal(line["points"]) == Decimal("15.00")  # the 5 alone; the withdrawn 1 is gone


def test_the_center_publishes_a_new_scheme_version_and_a_cycle_scores_by_it(
    client: Client,
) -> None:
    schemes = "/staffing/api/v1/assessment-schemes"
    change = {"values": {"base": "50", "timeliness": "30"}}
    assert client.post(schemes, json=change, headers=HEXI).status_code == 403
    bad = client.post(schemes, json={"values": {"late": "1", "colour": "red"}}, headers=CENTER)
    assert bad.status_code == 422 and {"late", "colour"} <= set(bad.json["errors"])
    published = ok(client.post(schemes, json=change, headers=CENTER), 201)
    assert published["version"] == 2 and published["values"]["base"] == "50"
    assert [s["version"] for s in ok(client.get(schemes, headers=HEXI))] == [1, 2]

    _window, _post, a, _b = staffing.staffed_post(client)
    opened = ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    assert opened["scheme_version"] == 2  # the newest, unless the center names one
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    shown = ok(client.get(f"{A}/2026/staff/{a['id']}", headers=HEXI))
    assert Decimal(shown["total"]) == Decimal("83.75")  # 50 + 30 × 3/4 + 11.25, nobody's facts


def test_a_corrected_upheld_complaint_stops_counting(client: Client, publish: Publish) -> None:
    window, _post, a, b = staffing.staffed_post(client)
    ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    _complaint(publish, window, a["id"], 1)
    wait_for(lambda: _lines(client, a["id"], "complaint_upheld") == 1, timeout=10)
    (upheld,) = [
        ln
        for ln in ok(client.get(f"{A}/2026/staff/{a['id']}/explanation", headers=CENTER))["lines"]
        if ln["component"] == "complaint_upheld"
    ]
    corrected = {
        "complaint_id": _complaint_ids[-1],
        "number": "TS202612010001",
        "window_id": window["id"],
        "unit_code": "tj-hexi",
        "name_zh": "窗",
        "name_en": "Window",
        "staff_id": a["id"],
        "misconduct": None,
        "anonymous": True,
        "due_on": "2026-12-08",
        "correction_id": 99,
        "correction_number": "TS202612150099",
        "previous_outcome": "upheld",
        "outcome": "dismissed",
        "reasons": "the video shows the applicant was served",
        "decided_at": "2026-12-15T02:00:00+00:00",
    }
    _inspection(publish, "complaint.corrected", corrected)
    _complaint(publish, window, b["id"], 2)  # a marker: one queue, taken in after the correction
    wait_for(lambda: _lines(client, b["id"], "complaint_upheld") == 1, timeout=10)
    assert _lines(client, a["id"], "complaint_upheld") == 0 and upheld["points"] == "-4.00"


def test_a_withdrawn_finding_stops_counting(client: Client, publish: Publish) -> None:
    window, _post, a, b = staffing.staffed_post(client)
    ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    finding = {
        "finding_id": 31,
        "window_id": window["id"],
        "unit_code": "tj-hexi",
        "staff_id": a["id"],
        "severity": "serious",
        "rule": "TJ-8.3",
    }
    recorded = {**finding, "summary": "asked for a favour", "recorded_at": "2026-06-01T02:00:00Z"}
    _inspection(publish, "finding.recorded", recorded)
    wait_for(lambda: _lines(client, a["id"], "finding") == 1, timeout=10)
    withdrawn = {**finding, "reason": "mistaken identity", "withdrawn_at": "2026-06-02T02:00:00Z"}
    _inspection(publish, "finding.withdrawn", withdrawn)
    marker = {**recorded, "finding_id": 32, "staff_id": b["id"], "severity": "minor"}
    _inspection(publish, "finding.recorded", marker)  # one queue: taken in after the withdrawal
    wait_for(lambda: _lines(client, b["id"], "finding") == 1, timeout=10)
    assert _lines(client, a["id"], "finding") == 0


def test_an_accountability_outcome_counts_and_only_the_latest_stands(
    client: Client, publish: Publish
) -> None:
    window, _post, a, b = staffing.staffed_post(client)
    ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    concluded = {
        "case_id": 5,
        "staff_id": a["id"],
        "unit_code": "tj-hexi",
        "window_id": window["id"],
        "kind": "soliciting_favours",
        "findings": [],
        "complaints": [],
        "district": "河西区",
        "outcome_id": 1,
        "outcome": "warning",
        "concluded_at": "2026-10-01T02:00:00+00:00",
    }
    _inspection(publish, "accountability.concluded", concluded)
    wait_for(lambda: _lines(client, a["id"], "accountability") == 1, timeout=10)
    told = ok(client.get(f"{A}/2026/staff/{a['id']}/explanation", headers=CENTER))
    assert told["components"]["accountability"] == "-8.00"
    cleared = {**concluded, "outcome_id": 2, "outcome": "no_fault", "corrects_outcome_id": 1}
    _inspection(publish, "accountability.concluded", cleared)
    marker = {**concluded, "case_id": 6, "staff_id": b["id"]}
    _inspection(publish, "accountability.concluded", marker)  # one queue: taken in after
    wait_for(lambda: _lines(client, b["id"], "accountability") == 1, timeout=10)
    assert _lines(client, a["id"], "accountability") == 0


def _assign(client: Client, post_id: int, staff_id: str, role: str, since: str = "") -> Any:
    body = {"staff_id": staff_id, "role": role, **({"starts_on": since} if since else {})}
    url = f"/staffing/api/v1/posts/{post_id}/assignments"
    return ok(client.post(url, json=body, headers=CENTER if since else HEXI), 201)


def test_whoever_served_by_scoring_is_assessed_and_calibrations_stay(client: Client) -> None:
    """EQ-3.2.2a: the cycle may open while the year runs; each scoring recounts who served and
    how long, and finalising waits for a scoring that has everyone."""
    window = staffing.window_known_to_staffing(client)
    seat = staffing.post(client, window["id"])
    a, b, c, d = (staffing.person(client, "tj-hexi", n) for n in ("张伟", "李娜", "王芳", "刘洋"))
    held = _assign(client, seat["id"], a["id"], "A", "2026-01-01")
    _assign(client, seat["id"], b["id"], "B", "2026-07-01")
    assert ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)["assessed"] == 2
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    down = {"grade": "basically_competent", "reason": "late all spring"}
    ok(client.put(f"{A}/2026/staff/{b['id']}/grade", json=down, headers=CENTER))

    ended = f"/staffing/api/v1/assignments/{held['id']}/end"
    ok(client.post(ended, json={"reason": "transferred"}, headers=HEXI))  # on 15 December
    _assign(client, seat["id"], c["id"], "A")  # posted after the cycle opened
    refused = client.post(f"{A}/2026/finalisation", headers=CENTER)
    assert refused.status_code == 409 and refused.json["rule"] == "EQ-3.2.2a"

    scored = ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    assert scored["assessed"] == 3
    served = {
        row["staff_id"]: (row["served_days"], row["grade"])
        for row in ok(client.get(f"{A}/2026/staff", headers=CENTER))["items"]
    }
    assert served[a["id"]][0] == 348  # 1 January to 14 December
    assert served[b["id"]] == (184, "basically_competent")  # the calibration stays
    assert served[c["id"]][0] == 17 and served[c["id"]][1] is not None
    assert d["id"] not in served
    ok(client.post(f"{A}/2026/finalisation", headers=CENTER))
    record = ok(client.get(f"/staffing/api/v1/staff/{c['id']}/record", headers=HEXI))
    assert [r["year"] for r in record] == [2026]


def test_every_window_published_in_the_year_is_assessed_staff_or_none(
    client: Client, publish: Publish
) -> None:
    """EQ-3.2.2a, EQ-3.2.2b: a published window nobody served starts at 75 and counts in its
    unit's target like the others."""
    staff = _hall_of_six(client, publish)
    empty = staffing.window_known_to_staffing(client)
    elsewhere = staffing.window_known_to_staffing(client, "tj-nankai")
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    windows = {
        w["window_id"]: w for w in ok(client.get(f"{A}/2026/reports/windows", headers=CENTER))
    }
    assert set(windows) == {staff["window"]["id"], empty["id"], elsewhere["id"]}
    assert (windows[empty["id"]]["staff_count"], windows[empty["id"]]["total"]) == (0, "75.00")
    assert windows[empty["id"]]["components"] == {"base": "75.00"}
    units = {u["unit_code"]: u for u in ok(client.get(f"{A}/2026/reports/units", headers=CENTER))}
    staffed = Decimal(windows[staff["window"]["id"]]["total"])
    assert units["tj-hexi"]["windows"] == 2
    assert Decimal(units["tj-hexi"]["window_average"]) == ((staffed + 75) / 2).quantize(
        Decimal("0.01")
    )
    assert (units["tj-nankai"]["windows"], units["tj-nankai"]["points"]) == (1, "3.75")


def _event_id(body: str) -> str:
    return str(json.loads(body)["id"])


def _send(publish: Publish, kind: str, data: dict[str, Any]) -> str:
    event = f"govhall.inspection.{kind}.v1"
    body = stub_event(event, data)
    publish(event, body)
    return _event_id(body)


def _window_lines(client: Client, window_id: int, component: str) -> list[str]:
    url = f"{A}/2026/windows/{window_id}/explanation"
    lines = ok(client.get(url, headers=CENTER))["lines"]
    return [line["source"] for line in lines if line["component"] == component]


def test_a_window_s_score_is_explained_line_by_line(client: Client, publish: Publish) -> None:
    staff = _hall_of_six(client, publish)
    window = staff["window"]
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    against = {"window_id": window["id"], "unit_code": "tj-hexi", "staff_id": None}
    finding = {**against, "finding_id": 901, "severity": "major", "rule": "TJ-7.4"}
    recorded = {"summary": "no price list", "recorded_at": "2026-06-01T02:00:00Z"}
    found = _send(publish, "finding.recorded", {**finding, **recorded})
    review = {**against, "evaluation_id": 902, "level": "dissatisfied", "score": 2}
    at = {"source": "public", "submitted_at": "2026-04-01T02:00:00+00:00"}
    rated = _send(publish, "evaluation.submitted", {**review, **at})
    wait_for(lambda: _window_lines(client, window["id"], "satisfaction") == [f"event:{rated}"])
    stale = ok(client.get(f"{A}/2026/windows/{window['id']}/explanation", headers=CENTER))
    assert stale["stale"] is True  # facts came after scoring
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))

    told = ok(client.get(f"{A}/2026/windows/{window['id']}/explanation", headers=HEXI))
    (row,) = [
        w
        for w in ok(client.get(f"{A}/2026/reports/windows", headers=HEXI))
        if w["window_id"] == window["id"]
    ]
    assert told["total"] == told["scored_total"] == row["total"] and told["stale"] is False
    assert sum(Decimal(line["points"]) for line in told["lines"]) == Decimal(told["total"])
    assert told["components"] == row["components"]
    parts = {line["source"] for line in told["lines"] if line["component"] == "staff_average"}
    assert parts == {
        f"staff:{staff[name]}" for name in ("张伟", "李娜", "王芳", "刘洋", "陈静", "赵磊")
    }
    assert _window_lines(client, window["id"], "finding") == [f"event:{found}"]
    assert _window_lines(client, window["id"], "satisfaction") == [f"event:{rated}"]
    nankai = client.get(f"{A}/2026/windows/{window['id']}/explanation", headers=NANKAI)
    assert nankai.status_code == 404

    download = client.get(f"{A}/2026/reports/windows?format=csv", headers=HEXI)
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    (line,) = [r for r in rows if r["window_id"] == str(window["id"])]
    assert (
        line["finding"] == "-3.00" and line["staff_average"] == row["components"]["staff_average"]
    )
    assert line["sanction"] == "0.00" and line["total"] == row["total"]


def _sanction(window: dict[str, Any], sanction_id: int, kind: str, at: str) -> dict[str, Any]:
    return {
        "sanction_id": sanction_id,
        "kind": kind,
        "window_id": window["id"],
        "unit_code": "tj-hexi",
        "basis": "TJ-8.3" if kind == "accountability" else "TJ-8.1",
        "reason": "test",
        "at": at,
    }


def test_a_sanction_lifted_or_corrected_stops_counting_against_the_window(
    client: Client, publish: Publish
) -> None:
    """An accountability case corrected to no fault lifts its sanction; an interview corrected by
    a new entry is replaced by it. A case and a ladder entry with the same number stay apart."""
    window, _post, _a, _b = staffing.staffed_post(client)
    ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    bare = Decimal(
        ok(client.get(f"{A}/2026/windows/{window['id']}/explanation", headers=CENTER))["total"]
    )
    interview = _send(
        publish, "sanction.imposed", _sanction(window, 7, "interview", "2026-11-20T02:00:00Z")
    )
    case = _send(
        publish, "sanction.imposed", _sanction(window, 7, "accountability", "2026-11-21T02:00:00Z")
    )
    wanted = [f"event:{interview}", f"event:{case}"]
    wait_for(lambda: _window_lines(client, window["id"], "sanction") == wanted, timeout=10)

    _send(
        publish, "sanction.lifted", _sanction(window, 7, "accountability", "2026-11-22T02:00:00Z")
    )
    wait_for(lambda: _window_lines(client, window["id"], "sanction") == wanted[:1], timeout=10)

    corrected = {**_sanction(window, 8, "interview", "2026-11-23T02:00:00Z"), "corrects_id": 7}
    correction = _send(publish, "sanction.corrected", corrected)
    wait_for(
        lambda: _window_lines(client, window["id"], "sanction") == [f"event:{correction}"],
        timeout=10,
    )
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    told = ok(client.get(f"{A}/2026/windows/{window['id']}/explanation", headers=CENTER))
    assert Decimal(told["total"]) == bare - 5 and told["stale"] is False
    assert told["components"]["sanction"] == "-5.00"
    assert sum(Decimal(line["points"]) for line in told["lines"]) == Decimal(told["total"])


def test_a_lift_that_overtakes_its_sanction_still_lifts_it_but_not_a_later_one(
    client: Client, publish: Publish
) -> None:
    """Redelivery may bring a lift before the sanction it lifts: the sanction is stored lifted
    when it comes. A case's fault found again after the lift is a sanction again."""
    window, _post, _a, _b = staffing.staffed_post(client)
    ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    _send(
        publish, "sanction.lifted", _sanction(window, 3, "accountability", "2026-11-22T02:00:00Z")
    )
    _send(
        publish, "sanction.imposed", _sanction(window, 3, "accountability", "2026-11-21T02:00:00Z")
    )
    again = _send(
        publish, "sanction.imposed", _sanction(window, 3, "accountability", "2026-11-25T02:00:00Z")
    )
    wait_for(
        lambda: _window_lines(client, window["id"], "sanction") == [f"event:{again}"], timeout=10
    )


def test_a_suspension_lifted_after_rectification_still_counts(
    client: Client, publish: Publish
) -> None:
    """TJ-8.2: a suspension lifted once the order is verified was still imposed that year."""
    window, _post, _a, _b = staffing.staffed_post(client)
    ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    at = "2026-11-20T02:00:00Z"
    suspended = _send(publish, "sanction.imposed", _sanction(window, 9, "suspension", at))
    _send(publish, "sanction.lifted", _sanction(window, 9, "suspension", "2026-11-27T02:00:00Z"))
    marker = _send(publish, "sanction.imposed", _sanction(window, 10, "interview", at))
    wanted = sorted([f"event:{suspended}", f"event:{marker}"])
    wait_for(lambda: sorted(_window_lines(client, window["id"], "sanction")) == wanted, timeout=10)


def test_a_small_cycle_gets_an_excellent_place_only_by_the_authority_s_exception(
    client: Client, publish: Publish
) -> None:
    """EQ-3.2.2c: "at most 20%" of 2 assessed is nobody, so the best of a small cycle is
    proposed competent. The authority (not the center, not a unit) may grant one place in
    writing (LR-SMALL-QUOTA); the next scoring proposes it and finalising keeps to it."""
    window = staffing.window_known_to_staffing(client)
    seat = staffing.post(client, window["id"])
    star, other = (staffing.person(client, "tj-hexi", n) for n in ("张伟", "李娜"))
    for member, role in ((star, "A"), (other, "B")):
        body = {"staff_id": member["id"], "role": role, "starts_on": "2026-01-01"}
        url = f"/staffing/api/v1/posts/{seat['id']}/assignments"
        ok(client.post(url, json=body, headers=CENTER), 201)
    _case_steps(publish, window, star["id"], late=0, n=10)
    _evaluations(publish, window, star["id"], [5, 5, 5])
    _train(client, star["id"], 20)
    ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    wait_for(lambda: _lines(client, star["id"], "satisfaction") == 3, timeout=10)
    scored = ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    assert (scored["assessed"], scored["quota"], scored["excellent"]) == (2, 0, 0)
    best = ok(client.get(f"{A}/2026/staff/{star['id']}", headers=HEXI))
    assert (Decimal(best["total"]), best["grade"]) == (Decimal("100.00"), "competent")

    url = f"{A}/2026/quota-exception"
    why = {"reason": "两人窗口，年度表现突出 · a two-person window, outstanding year"}
    for headers in (CENTER, HEXI):
        assert client.put(url, json=why, headers=headers).status_code == 403
    blank = client.put(url, json={"reason": " "}, headers=bearer("authority"))
    assert blank.status_code == 422 and list(blank.json["errors"]) == ["reason"]
    granted = ok(client.put(url, json=why, headers=bearer("authority")))
    assert granted["quota"] == 1 and granted["quota_exception_reason"] == why["reason"]
    assert granted["quota_exception_by"].startswith("authority")
    rescored = ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    assert (rescored["quota"], rescored["excellent"]) == (1, 1)
    assert ok(client.get(f"{A}/2026/staff/{star['id']}", headers=HEXI))["grade"] == "excellent"
    up = {"grade": "excellent", "reason": "also good"}
    over = ok(client.put(f"{A}/2026/staff/{other['id']}/grade", json=up, headers=CENTER))
    assert over["over_by"] == 1
    refused = client.post(f"{A}/2026/finalisation", headers=CENTER)
    assert refused.status_code == 422 and refused.json["rule"] == "EQ-3.2.2c"


STATE_CONFLICT = "urn:govhall:problem:state-conflict"


def _out_of_order(response: Any) -> None:
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.json["type"] == STATE_CONFLICT


def test_every_step_of_the_cycle_taken_out_of_order_is_a_state_conflict(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/errors.md: a step the cycle's or the appeal's state does not allow — repeated,
    skipped, or after the end — is 409 `state-conflict`, as in every other service."""
    window = staffing.window_known_to_staffing(client)
    seat = staffing.post(client, window["id"])
    member = staffing.person(client, "tj-hexi", "张伟")
    _assign(client, seat["id"], member["id"], "A", "2026-01-01")
    ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)
    grade = f"{A}/2026/staff/{member['id']}/grade"
    appeals = f"{A}/2026/staff/{member['id']}/appeals"
    up = {"grade": "excellent", "reason": "why not"}
    _out_of_order(client.post(A, json={"year": 2026}, headers=CENTER))  # opened twice
    _out_of_order(client.put(grade, json=up, headers=CENTER))  # calibrated before scoring
    _out_of_order(client.post(f"{A}/2026/finalisation", headers=CENTER))  # not scored
    ok(client.post(f"{A}/2026/scoring", headers=CENTER))
    _out_of_order(client.post(appeals, json={"reason": "x"}, headers=HEXI))  # not final
    ok(client.post(f"{A}/2026/finalisation", headers=CENTER))
    _out_of_order(client.post(f"{A}/2026/finalisation", headers=CENTER))  # finalised twice
    _out_of_order(client.post(f"{A}/2026/scoring", headers=CENTER))  # scored once final
    _out_of_order(client.put(grade, json=up, headers=CENTER))  # calibrated once final
    exception = f"{A}/2026/quota-exception"
    why = {"reason": "a one-person window"}
    _out_of_order(client.put(exception, json=why, headers=bearer("authority")))
    appeal = ok(client.post(appeals, json={"reason": "sick leave"}, headers=HEXI), 201)
    _out_of_order(client.post(appeals, json={"reason": "again"}, headers=HEXI))  # pending
    decision = f"{A}/appeals/{appeal['id']}/decision"
    ok(client.post(decision, json={"note": "no"}, headers=CENTER))
    _out_of_order(client.post(decision, json={"note": "twice"}, headers=CENTER))
    monkeypatch.setattr(clock, "today", lambda: date(2027, 1, 15))  # 31 days on
    _out_of_order(client.post(appeals, json={"reason": "late"}, headers=HEXI))


def _staff_window(client: Client, unit: str, hall_code: str, names: tuple[str, ...]) -> list[str]:
    """A window of `hall_code` whose posts `names` have held since New Year, two to a post."""
    window = staffing.window_known_to_staffing(client, unit, hall_code)
    seats = [staffing.post(client, window["id"], f"岗{n}", unit) for n in range(3)]
    people = [staffing.person(client, unit, name)["id"] for name in names]
    for i, staff_id in enumerate(people):
        _assign(client, seats[i // 2]["id"], staff_id, "AB"[i % 2], "2026-01-01")
    return people


def test_each_hall_has_its_own_cycle_and_its_own_quota(client: Client) -> None:
    """EQ-3.2.2a–c, per hall: 5 assessed in one hall give it one excellent place, 4 in another
    give that one none, where one cycle of all 9 would have had one place to share. While
    staffing knows one hall, `hall` may be left out; once it knows two, it must be named."""
    star, *_ = _staff_window(client, "tj-hexi", "tj-hall", ("张伟", "李娜", "王芳", "刘洋", "陈静"))
    _train(client, star, 20)  # the one best, not a tie
    alone = ok(client.post(A, json={"year": 2026}, headers=CENTER), 201)  # the only hall
    assert (alone["hall_code"], alone["assessed"], alone["quota"]) == ("tj-hall", 5, 1)

    builders.hall(client, "eq-erqi")
    _staff_window(client, "tj-nankai", "eq-erqi", ("赵磊", "孙丽", "周强", "吴敏"))
    for missing in (
        client.get(f"{A}/2026", headers=CENTER),
        client.post(f"{A}/2026/scoring", headers=CENTER),
        client.get(f"{A}/2026/staff", headers=HEXI),
        client.post(A, json={"year": 2026}, headers=CENTER),
    ):
        assert missing.status_code == 422 and list(missing.json["errors"]) == ["hall"]
    unknown = client.get(f"{A}/2026?hall=nowhere", headers=CENTER)
    assert unknown.status_code == 422 and list(unknown.json["errors"]) == ["hall"]

    tianjin = ok(client.post(f"{A}/2026/scoring?hall=tj-hall", headers=CENTER))
    assert (tianjin["assessed"], tianjin["quota"], tianjin["excellent"]) == (5, 1, 1)
    erqi = ok(client.post(f"{A}?hall=eq-erqi", json={"year": 2026}, headers=CENTER), 201)
    assert (erqi["hall_code"], erqi["assessed"], erqi["quota"]) == ("eq-erqi", 4, 0)
    erqi = ok(client.post(f"{A}/2026/scoring?hall=eq-erqi", headers=CENTER))
    assert (erqi["assessed"], erqi["quota"], erqi["excellent"]) == (4, 0, 0)
    nankai = ok(client.get(f"{A}/2026/staff?hall=eq-erqi", headers=NANKAI))["items"]
    assert len(nankai) == 4 and {r["hall_code"] for r in nankai} == {"eq-erqi"}
    assert ok(client.get(f"{A}/2026/staff?hall=tj-hall", headers=NANKAI))["items"] == []
    windows = ok(client.get(f"{A}/2026/reports/windows?hall=eq-erqi", headers=CENTER))
    assert [w["unit_code"] for w in windows] == ["tj-nankai"]
    # The exception for a small cycle is the small hall's, granted there alone (LR-SMALL-QUOTA).
    why = {"reason": "四人窗口 · a four-person window"}
    url = f"{A}/2026/quota-exception"
    refused = client.put(f"{url}?hall=tj-hall", json=why, headers=bearer("authority"))
    assert refused.status_code == 422 and refused.json["rule"] == "LR-SMALL-QUOTA"
    granted = ok(client.put(f"{url}?hall=eq-erqi", json=why, headers=bearer("authority")))
    assert granted["quota"] == 1
    ok(client.post(f"{A}/2026/finalisation?hall=tj-hall", headers=CENTER))
    still = ok(client.get(f"{A}/2026?hall=eq-erqi", headers=CENTER))
    assert (still["state"], still["quota"]) == ("scored", 1)


def test_a_cycle_from_before_halls_were_kept_goes_to_the_first_hall_learned(
    client: Client, hall: Hall
) -> None:
    """sta0011 gave the rows already there the hall '': they covered every window staffing knew,
    so the one hall it then learns of from registry's window events takes them."""
    rt = hall.runtime("staffing")
    with rt.uow(actor="test") as uow:
        cycle = {
            "hall_code": "",
            "year": 2025,
            "state": "finalised",
            "scheme_version": 1,
            "window_weight_bp": 500,
            "appeal_days": 30,
            "opened_by": "center",
            "opened_at": utcnow(),
        }
        uow.session.execute(insert(tables.assessment_cycles).values(cycle))
        uow.commit()
    staffing.window_known_to_staffing(client)
    adopted = ok(client.get(f"{A}/2025", headers=CENTER))
    assert (adopted["hall_code"], adopted["state"]) == ("tj-hall", "finalised")
