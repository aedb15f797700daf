"""Satisfaction evaluations through the API (TJ-7.5): the public rates a case once with its receipt
number and query code; a bad review is called back and rectified within working days, or
appealed; the unit rates its own windows; and each month the windows are ranked."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.inspection.handlers import evaluations as handlers
from services.inspection.handlers import rankings
from shared import clock
from tests import builders
from tests.builders import ok
from tests.support import bearer, wait_for

URL = "/inspection/api/v1/evaluations"
TASKS = "/inspection/api/v1/rectifications"
RANKINGS = "/inspection/api/v1/rankings"
CENTER = bearer("center")
AUTHORITY = bearer("authority")
INSPECTOR = bearer("inspector")
HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
CONTACT = {"applicant_name": "李娜", "applicant_phone": "138 1234 5678"}
FRIDAY = date(2026, 11, 20)  # five working days on: Friday the 27th


def published(client: Client, hall: Hall, unit: str = "tj-hexi") -> dict[str, Any]:
    """A published window that inspection knows, its agreement in force since 1 October."""
    application = builders.application(client, unit)
    builders.procedure(client, application["id"], ["work-permit-long"], starts_on="2026-10-01")
    window = ok(client.get(f"/registry/api/v1/windows/{application['id']}", headers=CENTER))
    wait_for(lambda: getattr(_row(hall, "windows", "id", window["id"]), "state", "") == "active")
    return window


def accepted(
    client: Client, hall: Hall, window: dict[str, Any], staff: str = "s-zhang", done: bool = True
) -> Any:
    """A case accepted at `window` by `staff` and, unless not `done`, delivered: once inspection
    has its copy. A case is rated once the service is done (GB/T 39735)."""
    body = {
        "window_id": window["id"],
        "matter_code": "work-permit-long",
        "applicant": "李娜",
        "staff_id": staff,
    }
    headers = bearer("unit", window["unit_code"])
    case = ok(client.post("/registry/api/v1/cases", json=body, headers=headers), 201)
    if done:
        url = f"/registry/api/v1/cases/{case['id']}/steps"
        for stage in ("handled", "reviewed", "approved", "issued", "delivered"):
            ok(client.post(url, json={"stage": stage, "staff_id": "s-li"}, headers=headers))
    stage = "delivered" if done else "accepted"
    wait_for(
        lambda: getattr(_row(hall, "cases", "case_id", case["id"]), "stage", "") == stage,
        timeout=5,
    )
    return case


def evaluate(client: Client, case: Any, level: str = "satisfied", **more: Any) -> Any:
    body = {
        "receipt_number": case["receipt_number"],
        "query_code": case["query_code"],
        "level": level,
        "text": "办得快 · quick",
        **more,
    }
    return client.post(URL, json=body)


def bad_review(client: Client, case: Any, level: str = "very_dissatisfied") -> Any:
    text = "让我跑了三趟 · three trips for one permit"
    return ok(evaluate(client, case, level, text=text, **CONTACT), 201)


def task_of(client: Client, evaluation: Any) -> Any:
    tasks = ok(client.get(TASKS, headers=CENTER))["items"]
    return next(t for t in tasks if t["evaluation_id"] == evaluation["id"])


def step(client: Client, task: Any, verb: str, body: Any, headers: Any = HEXI) -> Any:
    return client.post(f"{TASKS}/{task['id']}/{verb}", json=body, headers=headers)


def outbox(hall: Hall, name: str) -> list[dict[str, Any]]:
    db = hall.runtime("inspection").db
    table = db.table("outbox")
    with db.session() as session:
        rows = session.execute(select(table.c.type, table.c.body).order_by(table.c.created_at))
        kind = f"govhall.inspection.{name}.v1"
        return [json.loads(r.body)["data"] for r in rows if r.type == kind]


def staffing_input(hall: Hall, evaluation_id: int) -> Any:
    db = hall.runtime("staffing").db
    inputs = db.table("assessment_inputs")
    with db.session() as session:
        ref = inputs.c.ref == f"evaluation:{evaluation_id}"
        return session.execute(select(inputs).where(ref)).first()


def _row(hall: Hall, table: str, key: str, value: Any) -> Any:
    db = hall.runtime("inspection").db
    t = db.table(table)
    with db.session() as session:
        return session.execute(select(t).where(t.c[key] == value)).first()


def callback(at: datetime | None = None) -> dict[str, Any]:
    return {
        "called_at": (at or datetime.now(UTC)).isoformat(),
        "by": "河西区中心 王芳",
        "outcome": "已致歉并当场补办 · apologised, permit issued on the spot",
    }


def test_the_public_evaluates_a_case_once_with_its_receipt_and_code(
    client: Client, hall: Hall
) -> None:
    case = accepted(client, hall, published(client, hall))
    receipt = ok(evaluate(client, case), 201)  # no token: the public
    assert (receipt["level"], receipt["score"], receipt["bad"]) == ("satisfied", 4, False)
    assert receipt["callback_due_on"] is None and receipt["applicant_name"] is None
    assert "staff_id" not in receipt and "unit_code" not in receipt
    [event] = outbox(hall, "evaluation.submitted")
    assert (event["case_id"], event["staff_id"], event["source"]) == (
        case["id"],
        "s-zhang",
        "public",
    )
    assert (event["level"], event["score"], event["unit_code"]) == ("satisfied", 4, "tj-hexi")
    taken_in = wait_for(lambda: staffing_input(hall, receipt["id"]), timeout=5)
    assert (taken_in.kind, taken_in.staff_id, taken_in.value) == ("evaluation", "s-zhang", 4)

    again = evaluate(client, case, "very_satisfied")
    assert again.status_code == 409 and "receipt_number" in again.json["errors"]
    assert again.json["rule"] == "TJ-7.5"
    assert [e["id"] for e in ok(client.get(URL, headers=CENTER))["items"]] == [receipt["id"]]
    assert len(outbox(hall, "evaluation.submitted")) == 1


def test_a_wrong_code_and_an_unknown_receipt_get_the_same_404(client: Client, hall: Hall) -> None:
    case = accepted(client, hall, published(client, hall))
    wrong_code = evaluate(client, {**case, "query_code": "WRONG234"})
    unknown = evaluate(client, {**case, "receipt_number": "2026112099999999"})
    assert wrong_code.status_code == unknown.status_code == 404
    assert wrong_code.json == unknown.json  # nothing says which part was wrong
    assert sorted(wrong_code.json["errors"]) == ["query_code", "receipt_number"]
    assert ok(client.get(URL, headers=CENTER))["items"] == []
    assert outbox(hall, "evaluation.submitted") == []


def test_a_bad_review_names_the_applicant_to_call_back_tj_7_5(client: Client, hall: Hall) -> None:
    case = accepted(client, hall, published(client, hall))
    anonymous = evaluate(client, case, "very_dissatisfied")
    assert anonymous.status_code == 422 and anonymous.json["rule"] == "TJ-7.5"
    assert sorted(anonymous.json["errors"]) == ["applicant_name", "applicant_phone"]
    no_phone = evaluate(client, case, "dissatisfied", applicant_name="李娜")
    assert no_phone.status_code == 422 and list(no_phone.json["errors"]) == ["applicant_phone"]
    bad_phone = evaluate(client, case, "dissatisfied", applicant_name="李娜", applicant_phone="12")
    assert bad_phone.status_code == 422 and list(bad_phone.json["errors"]) == ["applicant_phone"]
    sixth = evaluate(client, case, "excellent")  # five levels, no more (TJ-7.5)
    assert sixth.status_code == 422 and sixth.json["rule"] == "TJ-7.5"
    assert sixth.mimetype == "application/problem+json" and list(sixth.json["errors"]) == ["level"]
    assert ok(client.get(URL, headers=CENTER))["items"] == []  # nothing was taken
    assert ok(client.get(TASKS, headers=CENTER))["items"] == []

    review = bad_review(client, case, "dissatisfied")
    assert (review["bad"], review["score"]) == (True, 2)
    assert (review["applicant_name"], review["applicant_phone"]) == ("李*", "138****5678")
    assert review["callback_due_on"] is not None
    good = ok(evaluate(client, accepted(client, hall, published(client, hall))), 201)
    assert good["bad"] is False  # a good review may stay anonymous


def test_a_bad_review_is_rectified_within_working_days(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = published(client, hall)
    cases = [accepted(client, hall, window) for _ in range(3)]
    monkeypatch.setattr(clock, "today", lambda: FRIDAY)
    friday = bad_review(client, cases[0])
    assert friday["callback_due_on"] == "2026-11-27"  # not the 25th: weekends do not count
    [opened] = outbox(hall, "rectification.opened")
    assert (opened["evaluation_id"], opened["unit_code"]) == (friday["id"], "tj-hexi")
    assert (opened["due_on"], opened["status"], opened["called_back"]) == (
        "2026-11-27",
        "open",
        False,
    )
    monkeypatch.setattr(clock, "today", lambda: date(2026, 9, 30))
    # National Day: 1–7 October off, Saturday the 10th worked.
    assert bad_review(client, cases[1])["callback_due_on"] == "2026-10-13"
    monkeypatch.setattr(clock, "today", lambda: FRIDAY)
    monkeypatch.setenv("BAD_REVIEW_RECTIFICATION_DAYS", "3")
    assert bad_review(client, cases[2])["callback_due_on"] == "2026-11-25"
    mine = ok(client.get(TASKS, headers=HEXI))["items"]
    assert [t["due_on"] for t in mine] == ["2026-11-25", "2026-10-13", "2026-11-27"]
    assert {t["status"] for t in mine} == {"open"}
    assert ok(client.get(TASKS, headers=NANKAI))["items"] == []


def test_the_unit_calls_back_before_it_reports_and_the_center_closes_or_reopens_tj_7_5(
    client: Client, hall: Hall
) -> None:
    task = task_of(client, bad_review(client, accepted(client, hall, published(client, hall))))
    early = step(client, task, "report", {"summary": "已整改 · fixed"})
    assert early.status_code == 422 and early.json["rule"] == "TJ-7.5"
    assert list(early.json["errors"]) == ["callback"]
    assert ok(client.get(f"{TASKS}/{task['id']}", headers=CENTER))["status"] == "open"
    assert step(client, task, "callback", callback(), NANKAI).status_code == 404
    assert step(client, task, "callback", callback(), CENTER).status_code == 403
    future = step(client, task, "callback", callback(datetime.now(UTC) + timedelta(hours=2)))
    assert future.status_code == 422 and list(future.json["errors"]) == ["called_at"]

    called = ok(step(client, task, "callback", callback()))
    assert called["callback"]["by"] == "河西区中心 王芳" and called["status"] == "open"
    assert step(client, task, "callback", callback()).status_code == 409
    reported = ok(step(client, task, "report", {"summary": "窗口一次性告知清单上墙 · checklist"}))
    assert reported["status"] == "reported"
    assert step(client, task, "report", {"summary": "again"}).status_code == 409
    assert step(client, task, "review", {"accepted": True}, HEXI).status_code == 403
    no_reason = step(client, task, "review", {"accepted": False}, CENTER)
    assert no_reason.status_code == 422 and list(no_reason.json["errors"]) == ["note"]
    reopened = ok(step(client, task, "review", {"accepted": False, "note": "未培训"}, CENTER))
    assert (reopened["status"], reopened["reopened"], reopened["review_note"]) == (
        "open",
        1,
        "未培训",
    )
    assert step(client, task, "review", {"accepted": True}, CENTER).status_code == 409
    ok(step(client, task, "report", {"summary": "全员培训 · everyone trained"}))
    closed = ok(step(client, task, "review", {"accepted": True, "note": "好"}, CENTER))
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    assert closed["reviewed_by"] == "center:test-center"
    statuses = [
        (name, e["status"])
        for name in ("opened", "called_back", "reported", "reopened", "closed")
        for e in outbox(hall, f"rectification.{name}")
    ]
    assert statuses == [
        ("opened", "open"),
        ("called_back", "open"),
        ("reported", "reported"),
        ("reported", "reported"),
        ("reopened", "open"),
        ("closed", "closed"),
    ]


def test_the_contact_is_shown_in_full_only_to_the_unit_and_the_center_and_each_read_logged(
    client: Client, hall: Hall
) -> None:
    review = bad_review(client, accepted(client, hall, published(client, hall)))
    one = f"{URL}/{review['id']}"
    for reader in (HEXI, CENTER):
        shown = ok(client.get(one, headers=reader))
        assert (shown["applicant_name"], shown["applicant_phone"]) == ("李娜", "13812345678")
        assert shown["contact_shown"] == "full"
    for reader in (INSPECTOR, AUTHORITY):
        assert ok(client.get(one, headers=reader))["applicant_phone"] == "138****5678"
    assert client.get(one, headers=NANKAI).status_code == 404
    task = ok(client.get(f"{TASKS}/{task_of(client, review)['id']}", headers=HEXI))
    assert (task["applicant_name"], task["contact_shown"]) == ("李娜", "full")
    listed = (
        ok(client.get(URL, headers=CENTER))["items"] + ok(client.get(TASKS, headers=HEXI))["items"]
    )
    assert {e["applicant_phone"] for e in listed} == {"138****5678"}  # lists mask and log nothing

    query = {"record_kind": "evaluation", "record_id": review["id"]}
    reads = ok(
        client.get("/inspection/api/v1/personal-data-reads", query_string=query, headers=AUTHORITY)
    )["items"]
    assert sorted(r["reader"] for r in reads) == [
        "center:test-center",
        "unit:tj-hexi:test-unit",
        "unit:tj-hexi:test-unit",
    ]
    assert {tuple(r["fields"]) for r in reads} == {("applicant_name", "applicant_phone")}
    db = hall.runtime("inspection").db
    with db.session() as session:
        bodies = session.execute(select(db.table("outbox").c.body)).scalars().all()
    assert not any("13812345678" in body or "李娜" in body for body in bodies)


def test_a_missed_deadline_is_announced_once(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = published(client, hall)
    first, second = accepted(client, hall, window), accepted(client, hall, window)
    monkeypatch.setattr(clock, "today", lambda: FRIDAY)
    late = task_of(client, bad_review(client, first))
    in_time = task_of(client, bad_review(client, second))
    ok(step(client, in_time, "callback", callback()))
    ok(step(client, in_time, "report", {"summary": "已整改 · fixed"}))
    runtime = hall.runtime("inspection")
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 27))
    assert handlers.overdue_sweep(runtime) == 0  # the last day is still in time
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 30))
    assert handlers.overdue_sweep(runtime) == 1
    assert handlers.overdue_sweep(runtime) == 0
    [event] = outbox(hall, "rectification.overdue")
    assert (event["rectification_id"], event["due_on"]) == (late["id"], "2026-11-27")
    overdue = ok(client.get(TASKS, query_string={"overdue": "true"}, headers=CENTER))["items"]
    assert [t["id"] for t in overdue] == [late["id"]]
    assert overdue[0]["overdue"] is True and overdue[0]["overdue_at"] is not None
    shown = ok(client.get(f"{TASKS}/{in_time['id']}", headers=CENTER))
    assert (shown["overdue"], shown["overdue_at"]) == (False, None)


def test_the_unit_appeals_a_bad_review_and_an_upheld_appeal_voids_it_tj_7_5(
    client: Client, hall: Hall
) -> None:
    window = published(client, hall)
    good = ok(evaluate(client, accepted(client, hall, window)), 201)
    voided, stands = (bad_review(client, accepted(client, hall, window)) for _ in range(2))
    appeal = {"grounds": "malicious", "reason": "同一人连续差评 · the same caller, every window"}

    def appeal_of(review: Any, headers: Any = HEXI) -> Any:
        return client.post(f"{URL}/{review['id']}/appeal", json=appeal, headers=headers)

    refused = appeal_of(good)
    assert refused.status_code == 422 and refused.json["rule"] == "TJ-7.5"
    for wrong in ({"grounds": "unfair"}, {"reason": "  "}):  # wrong or malicious, shown why
        unfounded = client.post(
            f"{URL}/{voided['id']}/appeal", json={**appeal, **wrong}, headers=HEXI
        )
        assert unfounded.status_code == 422 and unfounded.json["rule"] == "TJ-7.5"
        assert list(unfounded.json["errors"]) == list(wrong)
    assert appeal_of(voided, NANKAI).status_code == 404
    assert appeal_of(voided, CENTER).status_code == 403
    filed = ok(appeal_of(voided), 201)
    assert (filed["status"], filed["grounds"]) == ("pending", "malicious")
    twice = appeal_of(voided)
    assert twice.status_code == 409 and twice.json["rule"] == "TJ-7.5"
    decision = f"{URL}/{voided['id']}/appeal/decision"
    body = {"upheld": True, "note": "录音证实 · the recording shows it"}
    assert client.post(decision, json=body, headers=HEXI).status_code == 403
    upheld = ok(client.post(decision, json=body, headers=CENTER))
    assert (upheld["status"], upheld["decided_by"]) == ("upheld", "center:test-center")
    assert client.post(decision, json=body, headers=CENTER).status_code == 409
    assert ok(client.get(f"{URL}/{voided['id']}", headers=CENTER))["voided"] is True
    assert task_of(client, voided)["status"] == "withdrawn"
    [event] = outbox(hall, "evaluation.voided")
    assert (event["evaluation_id"], event["staff_id"]) == (voided["id"], "s-zhang")
    [closed] = outbox(hall, "rectification.closed")
    assert closed["status"] == "withdrawn" and "appeal" in closed["note"]
    assert [e["status"] for e in outbox(hall, "evaluation_appeal.decided")] == ["upheld"]
    dropped = wait_for(lambda: (row := staffing_input(hall, voided["id"])) and row.voided_by)
    assert dropped  # staffing no longer counts it

    ok(appeal_of(stands), 201)
    dismissed = {"upheld": False, "note": "证据不足 · not shown"}
    url = f"{URL}/{stands['id']}/appeal/decision"
    assert ok(client.post(url, json=dismissed, headers=CENTER))["status"] == "dismissed"
    assert ok(client.get(f"{URL}/{stands['id']}", headers=CENTER))["voided"] is False
    assert task_of(client, stands)["status"] == "open"
    assert len(outbox(hall, "evaluation.voided")) == 1


def test_the_unit_evaluates_its_own_windows_once_a_month_tj_7_5(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = published(client, hall)
    monkeypatch.setattr(clock, "today", lambda: FRIDAY)
    url = "/inspection/api/v1/window-evaluations"
    body = {"window_id": window["id"], "period": "2026-11", "level": "dissatisfied"}
    made = ok(client.post(url, json=body, headers=HEXI), 201)
    assert (made["source"], made["period"], made["staff_id"], made["case_id"]) == (
        "unit",
        "2026-11",
        None,
        None,
    )
    assert client.post(url, json=body, headers=HEXI).status_code == 409
    assert client.post(url, json=body, headers=NANKAI).status_code == 404
    assert client.post(url, json=body).status_code == 401
    for period in ("2026-12", "November"):
        wrong = client.post(url, json={**body, "period": period}, headers=HEXI)
        assert wrong.status_code == 422 and list(wrong.json["errors"]) == ["period"]
    [event] = outbox(hall, "evaluation.submitted")
    assert (event["source"], event["staff_id"], event["score"]) == ("unit", None, 2)
    assert ok(client.get(TASKS, headers=CENTER))["items"] == []  # nobody to call back


def test_lists_filter_and_page_with_a_cursor(client: Client, hall: Hall) -> None:
    window = published(client, hall)
    ids = [ok(evaluate(client, accepted(client, hall, window)), 201)["id"] for _ in range(2)]
    ids.append(bad_review(client, accepted(client, hall, window))["id"])
    first = ok(client.get(URL, query_string={"limit": 2}, headers=HEXI))
    rest = ok(
        client.get(URL, query_string={"limit": 2, "cursor": first["next_cursor"]}, headers=HEXI)
    )
    assert [e["id"] for e in first["items"] + rest["items"]] == ids[::-1]  # newest first
    bad = ok(client.get(URL, query_string={"bad": "true"}, headers=CENTER))["items"]
    assert [e["id"] for e in bad] == [ids[2]]
    assert ok(client.get(URL, headers=NANKAI))["items"] == []


def _upheld_complaint(client: Client, window: dict[str, Any]) -> None:
    body = {"window_id": window["id"], "account": "推诿 · sent away", "misconduct": "buck_passing"}
    complaint = ok(client.post("/inspection/api/v1/complaints", json=body), 201)
    verdict = {"outcome": "upheld", "reasons": "核实 · verified"}
    url = f"/inspection/api/v1/complaints/{complaint['id']}/verification"
    ok(client.post(url, json=verdict, headers=CENTER))


def test_the_windows_are_ranked_for_a_month_that_is_over(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    # October: a month the worker's own sweep never publishes during this test, as it only
    # ever publishes the month before "today".
    october = datetime(2026, 10, 19, 2, tzinfo=UTC)
    monkeypatch.setattr(clock, "today", lambda: october.date())
    monkeypatch.setattr(clock, "now", lambda: october)
    a, e, b, d = (published(client, hall) for _ in range(4))
    c = published(client, hall, "tj-nankai")
    for window, levels in ((a, "54"), (e, "45"), (b, "54"), (c, "51")):
        for level in levels:
            case = accepted(client, hall, window)
            if level == "1":
                bad_review(client, case)
            else:
                name = "very_satisfied" if level == "5" else "satisfied"
                ok(evaluate(client, case, name), 201)
    _upheld_complaint(client, b)  # b ties with a and e on evaluations, not on complaints
    withdrawn = bad_review(client, accepted(client, hall, c))  # voided on appeal: not counted
    appeal = {"grounds": "wrong", "reason": "申请人撤回 · withdrawn by the applicant"}
    ok(client.post(f"{URL}/{withdrawn['id']}/appeal", json=appeal, headers=NANKAI), 201)
    upheld = {"upheld": True, "note": "属实 · shown"}
    ok(client.post(f"{URL}/{withdrawn['id']}/appeal/decision", json=upheld, headers=CENTER))
    november = october + timedelta(days=28)
    monkeypatch.setattr(clock, "today", lambda: november.date())
    monkeypatch.setattr(clock, "now", lambda: november)
    ok(evaluate(client, accepted(client, hall, d), "very_satisfied"), 201)  # November's

    assert client.post(RANKINGS, json={"month": "2026-11"}, headers=CENTER).status_code == 422
    assert client.post(RANKINGS, json={"month": "2026-10"}, headers=HEXI).status_code == 403
    ranking = ok(client.post(RANKINGS, json={"month": "2026-10"}, headers=CENTER), 201)
    assert ranking["windows"] == 5
    table = [
        (r["rank"], r["window_id"], r["mean_score"], r["bad_reviews"], r["upheld_complaints"])
        for r in ranking["entries"]
    ]
    assert table == [
        (1, a["id"], "4.50", 0, 0),  # a and e tie on everything: one rank, by window id
        (1, e["id"], "4.50", 0, 0),
        (3, b["id"], "4.50", 0, 1),
        (4, c["id"], "3.00", 1, 0),
        (5, d["id"], None, 0, 0),  # in service, nobody evaluated it in October
    ]
    again = client.post(RANKINGS, json={"month": "2026-10"}, headers=CENTER)
    assert again.status_code == 409 and list(again.json["errors"]) == ["month"]
    [event] = [x for x in outbox(hall, "ranking.published") if x["month"] == "2026-10"]
    assert [x["window_id"] for x in event["entries"]] == [
        a["id"],
        e["id"],
        b["id"],
        c["id"],
        d["id"],
    ]
    own = ok(client.get(f"{RANKINGS}/2026-10", headers=NANKAI))["entries"]
    assert [(x["rank"], x["window_id"]) for x in own] == [(4, c["id"])]
    sheet = client.get(f"{RANKINGS}/2026-10?format=csv", headers=AUTHORITY)
    lines = sheet.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert sheet.mimetype == "text/csv" and lines[0].startswith("month,rank,position,window_id")
    assert lines[1].startswith(f"2026-10,1,1,{a['id']},tj-hexi,")
    assert "2026-10" in [m["month"] for m in ok(client.get(RANKINGS, headers=INSPECTOR))]
    assert client.get(f"{RANKINGS}/2026-09", headers=CENTER).status_code == 404


def test_last_months_ranking_is_published_by_the_sweep_once(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = hall.runtime("inspection")
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 2))
    window = published(client, hall)
    assert rankings.ranking_sweep(runtime) == 0  # October: nothing to rank, nothing published
    assert client.get(f"{RANKINGS}/2026-10", headers=CENTER).status_code == 404
    ok(evaluate(client, accepted(client, hall, window)), 201)
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 1))
    # The worker runs the same sweep: whichever runs first publishes, and only once.
    rankings.ranking_sweep(runtime)
    assert rankings.ranking_sweep(runtime) == 0
    ranking = ok(client.get(f"{RANKINGS}/2026-11", headers=CENTER))
    assert ranking["published_by"] == "system:sweep"
    assert [(x["window_id"], x["evaluations"]) for x in ranking["entries"]] == [(window["id"], 1)]
    assert [x["month"] for x in outbox(hall, "ranking.published")] == ["2026-11"]


def test_a_bad_review_of_a_case_in_progress_is_kept_but_opens_no_task(
    client: Client, hall: Hall
) -> None:
    """GB/T 39735: a case is evaluated once the service is done (办件结束后). A bad review of a
    case still in progress is kept and counts, but founds no rectification task."""
    window = published(client, hall)
    early = bad_review(client, accepted(client, hall, window, done=False))
    assert early["bad"] is True and early["callback_due_on"] is None
    tasks = ok(client.get(TASKS, headers=CENTER))["items"]
    assert [t for t in tasks if t["evaluation_id"] == early["id"]] == []
    assert outbox(hall, "rectification.opened") == []
    assert ok(client.get(f"{URL}/{early['id']}", headers=CENTER))["level"] == "very_dissatisfied"
    done = bad_review(client, accepted(client, hall, window))
    assert done["callback_due_on"] is not None
    assert task_of(client, done)["status"] == "open"
