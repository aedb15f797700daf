"""The sanctions ladder through the API (TJ-8.1, TJ-8.2): interviews, notices and rectification
orders, suspension and its lifting on verified rectification, termination when a deadline
passed unrectified — and what registry makes of them."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.inspection.handlers import sanction_orders, sanctions_read
from shared import clock
from tests import builders
from tests.builders import ok
from tests.support import bearer, wait_for

INSPECTOR = bearer("inspector")
AUTHORITY = bearer("authority")
CENTER = bearer("center")
HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
MONDAY = date(2026, 11, 23)
TEN_WORKING_DAYS_ON = "2026-12-07"
URL = "/inspection/api/v1/sanctions"
PEOPLE = [
    {"name": "张敏 Zhang Min", "role": "window_lead"},
    {"name": "李强 Li Qiang", "role": "unit_leader"},
]


@pytest.fixture(autouse=True)
def monday(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: MONDAY)
    monkeypatch.delenv("SANCTION_RECTIFICATION_DAYS", raising=False)


def known_window(client: Client, hall: Hall, unit: str = "tj-hexi") -> dict[str, Any]:
    """A published window, once inspection has learned it from registry's events."""
    window = builders.published_window(client, unit, ["work-permit-long"])
    db = hall.runtime("inspection").db
    table = db.table("windows")

    def seen() -> Any:
        with db.session() as session:
            row = session.execute(select(table).where(table.c.id == window["id"])).first()
            return row is not None and row.state == "active"

    wait_for(seen, timeout=5)
    return window


def finding(client: Client, window: dict[str, Any], severity: str = "major") -> int:
    body = {
        "window_id": window["id"],
        "severity": severity,
        "rule": "EQ-4.4b",
        "summary": "申请人被两次要求补正材料 · materials asked for twice",
        "rectification": "一次性告知清单上墙 · post the one-time notification checklist",
        "source": "spot_check",
    }
    made = ok(client.post("/inspection/api/v1/findings", json=body, headers=INSPECTOR), 201)
    return int(made["id"])


def upheld_complaint(client: Client, window: dict[str, Any]) -> int:
    body = {"window_id": window["id"], "account": "推诿 · sent away three times"}
    made = ok(client.post("/inspection/api/v1/complaints", json=body), 201)
    url = f"/inspection/api/v1/complaints/{made['id']}/verification"
    decision = {"outcome": "upheld", "reasons": "调取录像核实 · verified on the video record"}
    ok(client.post(url, json=decision, headers=INSPECTOR))
    return int(made["id"])


def emitted(hall: Hall, name: str) -> list[dict[str, Any]]:
    db = hall.runtime("inspection").db
    with db.engine.connect() as conn:
        bodies = conn.execute(select(db.table("outbox").c.body)).scalars().all()
    events = [json.loads(body) for body in bodies]
    return [e["data"] for e in events if e["type"] == f"govhall.inspection.{name}.v1"]


def refusal(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return dict(response.json)


def order(client: Client, window: dict[str, Any], findings: list[int], **more: Any) -> Any:
    body = {"window_id": window["id"], "findings": findings, "problems": "材料清单未公示", **more}
    return ok(client.post(f"{URL}/orders", json=body, headers=AUTHORITY), 201)


def suspend(client: Client, window: dict[str, Any], **grounds: Any) -> Any:
    body = {
        "window_id": window["id"],
        "reason": "群众集中投诉 · concentrated complaints",
        **grounds,
    }
    return client.post(f"{URL}/suspensions", json=body, headers=AUTHORITY)


def window_state(client: Client, window: dict[str, Any]) -> str:
    url = f"/registry/api/v1/windows/{window['id']}"
    return str(ok(client.get(url, headers=AUTHORITY))["state"])


def history(client: Client, window: dict[str, Any], headers: Any = CENTER) -> Any:
    return client.get(f"/inspection/api/v1/windows/{window['id']}/sanctions", headers=headers)


def test_an_interview_names_both_people_its_basis_and_the_findings(
    client: Client, hall: Hall
) -> None:
    window = known_window(client, hall)
    found = finding(client, window)
    body = {
        "window_id": window["id"],
        "findings": [found],
        "interviewed": PEOPLE[:1],
        "held_on": "2026-11-20",
        "minutes": "约谈纪要 · agreed to post the checklist",
    }
    missing = refusal(client.post(f"{URL}/interviews", json=body, headers=INSPECTOR))
    assert missing["rule"] == "TJ-8.1" and list(missing["errors"]) == ["interviewed"]
    assert ok(history(client, window)) == []
    made = ok(
        client.post(f"{URL}/interviews", json={**body, "interviewed": PEOPLE}, headers=INSPECTOR),
        201,
    )
    assert (made["kind"], made["basis"], made["findings"]) == ("interview", "TJ-8.1", [found])
    assert made["decided_by"] and made["interviewed"] == PEOPLE
    [event] = emitted(hall, "sanction.imposed")
    assert (event["kind"], event["findings"], event["basis"]) == ("interview", [found], "TJ-8.1")
    assert ok(history(client, window, HEXI))[0]["id"] == made["id"]
    assert history(client, window, NANKAI).status_code == 404


def test_a_step_rests_on_problems_found_at_that_window(client: Client, hall: Hall) -> None:
    window = known_window(client, hall)
    other = known_window(client, hall, "tj-nankai")
    elsewhere = finding(client, other)
    body = {"window_id": window["id"], "problems": "p"}
    bare = refusal(client.post(f"{URL}/orders", json=body, headers=AUTHORITY))
    assert bare["rule"] == "TJ-8.1" and list(bare["errors"]) == ["findings"]
    wrong = client.post(f"{URL}/orders", json={**body, "findings": [elsewhere]}, headers=AUTHORITY)
    assert list(refusal(wrong)["errors"]) == ["findings"]
    unknown = client.post(f"{URL}/orders", json={**body, "complaints": [999]}, headers=AUTHORITY)
    assert list(refusal(unknown)["errors"]) == ["complaints"]
    wrong_basis = {**body, "findings": [finding(client, window)], "basis": "TJ-8.2"}
    refused = client.post(f"{URL}/orders", json=wrong_basis, headers=AUTHORITY)
    assert list(refusal(refused)["errors"]) == ["basis"]
    assert ok(history(client, window)) == [] and emitted(hall, "sanction.imposed") == []


def test_an_order_notifies_the_district_and_is_reported_then_verified(
    client: Client, hall: Hall
) -> None:
    window = known_window(client, hall)
    made = order(client, window, [finding(client, window)])
    assert (made["status"], made["due_on"], made["district"]) == (
        "open",
        TEN_WORKING_DAYS_ON,
        "河西区 Hexi",
    )
    [notice] = emitted(hall, "sanction.imposed")
    assert (notice["kind"], notice["district"]) == ("rectification", "河西区 Hexi")
    report_url = f"{URL}/orders/{made['id']}/report"
    assert client.post(report_url, json={"summary": "x"}, headers=NANKAI).status_code == 404
    reported = ok(client.post(report_url, json={"summary": "清单已上墙"}, headers=HEXI))
    assert reported["status"] == "reported" and reported["reports"][0]["summary"] == "清单已上墙"
    verify_url = f"{URL}/orders/{made['id']}/verification"
    no_note = client.post(verify_url, json={"accepted": False}, headers=AUTHORITY)
    assert list(refusal(no_note)["errors"]) == ["note"]
    rejected = ok(
        client.post(verify_url, json={"accepted": False, "note": "未上墙"}, headers=AUTHORITY)
    )
    assert (rejected["status"], rejected["due_on"]) == ("open", TEN_WORKING_DAYS_ON)
    ok(client.post(report_url, json={"summary": "已上墙，附照片"}, headers=HEXI))
    done = ok(client.post(verify_url, json={"accepted": True}, headers=AUTHORITY))
    assert done["status"] == "verified" and [r["accepted"] for r in done["reports"]] == [
        False,
        True,
    ]
    assert [e["status"] for e in emitted(hall, "order.rejected")] == ["open"]
    assert len(emitted(hall, "order.reported")) == 2 and len(emitted(hall, "order.verified")) == 1


def test_a_suspension_stops_new_cases_until_rectification_is_verified(
    client: Client, hall: Hall
) -> None:
    window = known_window(client, hall)
    minor = finding(client, window)
    not_serious = refusal(suspend(client, window, findings=[minor]))
    assert not_serious["rule"] == "TJ-8.2"
    serious = finding(client, window, "serious")
    made = ok(suspend(client, window, findings=[serious]), 201)
    assert (made["kind"], made["basis"], made["status"]) == ("suspension", "TJ-8.2", "in_force")
    wait_for(lambda: window_state(client, window) == "suspended", timeout=5)
    case = {
        "window_id": window["id"],
        "matter_code": "work-permit-long",
        "applicant": "王",
        "staff_id": "s-zhang",
    }
    refused = client.post("/registry/api/v1/cases", json=case, headers=HEXI)
    assert refused.status_code == 422 and refused.json["rule"] == "TJ-8.2"
    assert suspend(client, window, findings=[serious]).status_code == 409
    order_id = made["order_id"]
    verify_url = f"{URL}/orders/{order_id}/verification"
    report_url = f"{URL}/orders/{order_id}/report"
    ok(client.post(report_url, json={"summary": "已整改"}, headers=HEXI))
    ok(client.post(verify_url, json={"accepted": False, "note": "仍未整改"}, headers=AUTHORITY))
    assert ok(client.get(f"{URL}/{made['id']}", headers=CENTER))["status"] == "in_force"
    assert emitted(hall, "sanction.lifted") == []
    ok(client.post(report_url, json={"summary": "已整改，附照片"}, headers=HEXI))
    ok(client.post(verify_url, json={"accepted": True}, headers=AUTHORITY))
    lifted = ok(client.get(f"{URL}/{made['id']}", headers=CENTER))
    assert lifted["status"] == "lifted" and lifted["lifted_by"]
    [event] = emitted(hall, "sanction.lifted")
    assert (event["sanction_id"], event["kind"]) == (made["id"], "suspension")
    wait_for(lambda: window_state(client, window) == "active", timeout=5)
    kinds = [(s["kind"], s["status"]) for s in ok(history(client, window))]
    assert kinds == [("rectification", "verified"), ("suspension", "lifted")]


def test_concentrated_complaints_suspend_at_once(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concentrated complaints are what LR-COMPLAINTS-30D says now: the count and the days."""
    window = known_window(client, hall)
    one = upheld_complaint(client, window)
    two = upheld_complaint(client, window)
    refused = refusal(suspend(client, window, complaints=[one, two]))  # 3 within 30 days
    assert refused["rule"] == "TJ-8.2" and "LR-COMPLAINTS-30D" in refused["detail"]
    stricter = {"params": {"complaints": 2, "days": 7}, "note": "区里要求从严 · stricter"}
    rule = "/inspection/api/v1/local-rules/LR-COMPLAINTS-30D"
    ok(client.patch(rule, json=stricter, headers=AUTHORITY))
    assert refusal(suspend(client, window, complaints=[one]))["rule"] == "TJ-8.2"
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 30))  # upheld 7 days ago: out
    assert refusal(suspend(client, window, complaints=[one, two]))["rule"] == "TJ-8.2"
    monkeypatch.setattr(clock, "today", lambda: MONDAY)
    made = ok(suspend(client, window, complaints=[one, two]), 201)
    assert made["complaints"] == [one, two]
    imposed = emitted(hall, "sanction.imposed")
    assert [e["kind"] for e in imposed] == ["rectification", "suspension"]
    assert imposed[1]["complaints"] == [one, two] and imposed[1]["decided_by"]


def test_termination_only_when_the_deadline_passed_unrectified(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = known_window(client, hall)
    made = order(client, window, [finding(client, window)])
    body = {"window_id": window["id"], "order_id": made["id"], "reason": "逾期未整改"}
    early = refusal(client.post(f"{URL}/terminations", json=body, headers=AUTHORITY))
    assert early["rule"] == "TJ-8.2" and list(early["errors"]) == ["order_id"]
    assert sanction_orders.overdue_sweep(hall.runtime("inspection")) == 0
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 8))
    assert sanction_orders.overdue_sweep(hall.runtime("inspection")) == 1
    assert sanction_orders.overdue_sweep(hall.runtime("inspection")) == 0  # once per order
    [overdue] = emitted(hall, "order.overdue")
    assert (overdue["order_id"], overdue["due_on"]) == (made["id"], TEN_WORKING_DAYS_ON)
    done = ok(client.post(f"{URL}/terminations", json=body, headers=AUTHORITY), 201)
    assert (done["kind"], done["basis"], done["order_id"]) == ("termination", "TJ-8.2", made["id"])
    assert done["findings"] == made["findings"]
    wait_for(lambda: window_state(client, window) == "terminated", timeout=5)
    directory = client.get(f"/registry/api/v1/directory/windows/{window['id']}")
    assert directory.status_code == 404
    again = client.post(f"{URL}/terminations", json=body, headers=AUTHORITY)
    assert refusal(again)["rule"] == "TJ-8.2"


def test_a_verified_order_is_no_ground_for_termination(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = known_window(client, hall)
    made = order(client, window, [finding(client, window)])
    ok(client.post(f"{URL}/orders/{made['id']}/report", json={"summary": "done"}, headers=HEXI))
    url = f"{URL}/orders/{made['id']}/verification"
    ok(client.post(url, json={"accepted": True}, headers=AUTHORITY))
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 8))
    body = {"window_id": window["id"], "order_id": made["id"], "reason": "r"}
    refused = refusal(client.post(f"{URL}/terminations", json=body, headers=AUTHORITY))
    assert refused["rule"] == "TJ-8.2"
    assert sanction_orders.overdue_sweep(hall.runtime("inspection")) == 0
    assert window_state(client, window) == "active"


def test_a_verified_order_is_no_ground_for_a_suspension(client: Client, hall: Hall) -> None:
    """The ladder is climbed: a suspension follows an order still open, not one done (TJ-8.2)."""
    window = known_window(client, hall)
    minor = finding(client, window)
    made = order(client, window, [minor])
    ok(client.post(f"{URL}/orders/{made['id']}/report", json={"summary": "done"}, headers=HEXI))
    url = f"{URL}/orders/{made['id']}/verification"
    ok(client.post(url, json={"accepted": True}, headers=AUTHORITY))
    refused = refusal(suspend(client, window, findings=[minor]))
    assert refused["rule"] == "TJ-8.2" and "findings" in refused["errors"]
    again = order(client, window, [minor])
    suspended = ok(suspend(client, window, findings=[minor], order_id=again["id"]), 201)
    assert suspended["order_id"] == again["id"]


def test_a_terminated_windows_order_is_no_longer_reported_or_verified(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = known_window(client, hall)
    made = order(client, window, [finding(client, window)])
    other = order(client, window, [finding(client, window)])
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 8))
    ok(client.post(f"{URL}/orders/{made['id']}/report", json={"summary": "late"}, headers=HEXI))
    body = {"window_id": window["id"], "order_id": made["id"], "reason": "逾期未整改"}
    ok(client.post(f"{URL}/terminations", json=body, headers=AUTHORITY), 201)
    url = f"{URL}/orders/{made['id']}/verification"
    late = refusal(client.post(url, json={"accepted": True}, headers=AUTHORITY), 409)
    assert late["rule"] == "TJ-8.2" and "order_id" in late["errors"]
    report = {"summary": "done"}
    refused = refusal(
        client.post(f"{URL}/orders/{other['id']}/report", json=report, headers=HEXI), 409
    )
    assert refused["rule"] == "TJ-8.2" and "order_id" in refused["errors"]
    assert emitted(hall, "order.verified") == []


def test_a_wrong_deadline_setting_is_logged_and_the_default_used(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    window = known_window(client, hall)
    monkeypatch.setenv("SANCTION_RECTIFICATION_DAYS", "ten")
    with caplog.at_level(logging.ERROR, logger="services.inspection.handlers.sanctions"):
        made = order(client, window, [finding(client, window)])
    assert made["due_on"] == TEN_WORKING_DAYS_ON
    assert "SANCTION_RECTIFICATION_DAYS" in caplog.text


def test_an_order_reported_in_time_waits_for_its_verdict(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = known_window(client, hall)
    made = order(client, window, [finding(client, window)], days=1)
    ok(client.post(f"{URL}/orders/{made['id']}/report", json={"summary": "done"}, headers=HEXI))
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 8))
    with hall.runtime("inspection").uow() as uow:
        assert sanctions_read.open_orders_past_due(uow, clock.today()) == []
    url = f"{URL}/orders/{made['id']}/verification"
    ok(client.post(url, json={"accepted": False, "note": "not done"}, headers=AUTHORITY))
    with hall.runtime("inspection").uow() as uow:
        [due] = sanctions_read.open_orders_past_due(uow, clock.today())
    assert (due["order_id"], due["window_id"], due["unit_code"]) == (
        made["id"],
        window["id"],
        "tj-hexi",
    )


def test_a_correction_is_a_new_entry_and_nothing_is_deleted(client: Client, hall: Hall) -> None:
    window = known_window(client, hall)
    found = finding(client, window)
    first = order(client, window, [found], problems="错误的问题描述")
    second = order(client, window, [found], problems="材料清单未公示", corrects_id=first["id"])
    assert second["corrects_id"] == first["id"]
    statuses = [(s["id"], s["status"]) for s in ok(history(client, window))]
    assert statuses == [(first["id"], "corrected"), (second["id"], "open")]
    [corrected] = emitted(hall, "sanction.corrected")
    assert (corrected["sanction_id"], corrected["corrects_id"]) == (second["id"], first["id"])
    twice = client.post(
        f"{URL}/orders",
        json={
            "window_id": window["id"],
            "findings": [found],
            "problems": "p",
            "corrects_id": first["id"],
        },
        headers=AUTHORITY,
    )
    assert refusal(twice, 409)["status"] == 409


def test_who_may_do_what(client: Client, hall: Hall) -> None:
    window = known_window(client, hall)
    found = finding(client, window)
    body = {"window_id": window["id"], "findings": [found], "problems": "p"}
    assert client.post(f"{URL}/orders", json=body, headers=INSPECTOR).status_code == 403
    assert client.post(f"{URL}/orders", json=body, headers=HEXI).status_code == 403
    made = order(client, window, [found])
    assert ok(client.get(URL, query_string={"kind": "rectification"}, headers=HEXI))["items"]
    assert ok(client.get(URL, headers=NANKAI))["items"] == []
    assert client.get(f"{URL}/{made['id']}", headers=NANKAI).status_code == 404
    url = f"{URL}/orders/{made['id']}/verification"
    assert client.post(url, json={"accepted": True}, headers=HEXI).status_code == 403


def test_a_wrong_basis_and_a_deadline_of_no_days_name_their_rule(
    client: Client, hall: Hall
) -> None:
    """Issue 17: every refusal names its rule, a wrong basis and a deadline of 0 days too."""
    window = known_window(client, hall)
    body = {"window_id": window["id"], "findings": [finding(client, window)], "problems": "p"}
    wrong = refusal(
        client.post(f"{URL}/orders", json={**body, "basis": "TJ-8.2"}, headers=AUTHORITY)
    )
    assert wrong["rule"] == "TJ-8.1" and list(wrong["errors"]) == ["basis"]
    serious = finding(client, window, "serious")
    suspension = refusal(suspend(client, window, findings=[serious], basis="TJ-8.1"))
    assert suspension["rule"] == "TJ-8.2" and list(suspension["errors"]) == ["basis"]
    none = refusal(client.post(f"{URL}/orders", json={**body, "days": 0}, headers=AUTHORITY))
    assert none["rule"] == "TJ-8.1" and list(none["errors"]) == ["days"]
    assert ok(history(client, window)) == []


def test_a_second_open_order_for_the_same_problem_is_refused(client: Client, hall: Hall) -> None:
    window = known_window(client, hall)
    found, other = finding(client, window), finding(client, window)
    first = order(client, window, [found])
    body = {"window_id": window["id"], "findings": [other, found], "problems": "p"}
    again = refusal(client.post(f"{URL}/orders", json=body, headers=AUTHORITY), 409)
    assert again["type"] == "urn:govhall:problem:state-conflict"
    assert again["rule"] == "TJ-8.1" and list(again["errors"]) == ["findings"]
    assert str(first["id"]) in again["detail"]
    # Reported but not verified is still open; a suspension issuing its own order is refused too.
    ok(client.post(f"{URL}/orders/{first['id']}/report", json={"summary": "d"}, headers=HEXI))
    refusal(client.post(f"{URL}/orders", json=body, headers=AUTHORITY), 409)
    serious = finding(client, window, "serious")
    issued = refusal(suspend(client, window, findings=[serious, found]), 409)
    assert issued["rule"] == "TJ-8.1" and list(issued["errors"]) == ["findings"]
    # Another problem, a correction of the open order, or after its verification: an order.
    order(client, window, [other])
    ok(
        client.post(
            f"{URL}/orders/{first['id']}/verification", json={"accepted": True}, headers=AUTHORITY
        )
    )
    order(client, window, [found])
    assert [s["kind"] for s in ok(history(client, window))] == ["rectification"] * 3


def test_a_terminated_windows_orders_are_closed_and_not_overdue(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = known_window(client, hall)
    made = order(client, window, [finding(client, window)])
    other = order(client, window, [finding(client, window)])
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 8))
    body = {"window_id": window["id"], "order_id": made["id"], "reason": "逾期未整改"}
    ok(client.post(f"{URL}/terminations", json=body, headers=AUTHORITY), 201)
    orders = [s for s in ok(history(client, window)) if s["kind"] == "rectification"]
    assert [(o["id"], o["status"], o["overdue"]) for o in orders] == [
        (made["id"], "closed", False),
        (other["id"], "closed", False),
    ]
    listed = ok(client.get(URL, query_string={"status": "closed"}, headers=CENTER))["items"]
    assert {s["id"] for s in listed} == {made["id"], other["id"]}
    assert sanction_orders.overdue_sweep(hall.runtime("inspection")) == 0
    with hall.runtime("inspection").uow() as uow:
        assert sanctions_read.open_orders_past_due(uow, clock.today()) == []
