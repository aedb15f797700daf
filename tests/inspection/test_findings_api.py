"""Findings (TJ-7.4) with evidence and rectification by a deadline (TJ-8.1), and guidance visits
(TJ-7.2), through the API as the inspectors, the authority and the units use them."""

from __future__ import annotations

import io
import json
import logging
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.inspection.handlers import finding_rectification
from shared import clock
from tests import builders
from tests.builders import ok
from tests.support import bearer, wait_for

INSPECTOR = bearer("inspector")
AUTHORITY = bearer("authority")
HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
MONDAY = date(2026, 11, 23)
TEN_WORKING_DAYS_ON = date(2026, 12, 7)
FINDINGS = "/inspection/api/v1/findings"
VISITS = "/inspection/api/v1/guidance-visits"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture(autouse=True)
def monday(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: MONDAY)
    monkeypatch.delenv("FINDING_RECTIFICATION_DAYS", raising=False)


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


def known_case(client: Client, hall: Hall, window: dict[str, Any]) -> dict[str, Any]:
    body = {
        "window_id": window["id"],
        "matter_code": "work-permit-long",
        "applicant": "John Smith",
        "staff_id": "s-zhang",
    }
    unit = bearer("unit", window["unit_code"])
    case = ok(client.post("/registry/api/v1/cases", json=body, headers=unit), 201)
    db = hall.runtime("inspection").db
    wait_for(lambda: _row(db, "cases", "case_id", case["id"]), timeout=5)
    return dict(case)


def _row(db: Any, table: str, key: str, value: Any) -> Any:
    with db.session() as session:
        t = db.table(table)
        return session.execute(select(t).where(t.c[key] == value)).first()


def finding(window: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "window_id": window["id"],
        "severity": "major",
        "rule": "EQ-4.4b",
        "summary": "申请人被两次要求补正材料 · materials asked for twice",
        "rectification": "一次性告知清单上墙 · post the one-time notification checklist",
        "source": "spot_check",
        **changes,
    }


def record(client: Client, window: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = finding(window, **changes)
    return dict(ok(client.post(FINDINGS, json=body, headers=INSPECTOR), 201))


def emitted(hall: Hall, verb: str) -> list[dict[str, Any]]:
    """The payloads inspection put in its outbox for `finding.<verb>` (or another aggregate)."""
    db = hall.runtime("inspection").db
    name = verb if "." in verb else f"finding.{verb}"
    with db.engine.connect() as conn:
        bodies = conn.execute(select(db.table("outbox").c.body)).scalars().all()
    events = [json.loads(body) for body in bodies]
    return [e["data"] for e in events if e["type"] == f"govhall.inspection.{name}.v1"]


def refusal(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return dict(response.json)


def test_a_finding_is_an_event_that_bars_the_unit_from_a_new_window(
    client: Client, hall: Hall
) -> None:
    window = known_window(client, hall)
    case = known_case(client, hall, window)
    made = record(client, window, case_id=case["id"], staff_id="s-zhang", rule=" EQ-4.4b ")
    assert (made["unit_code"], made["case_id"], made["staff_id"]) == (
        "tj-hexi",
        case["id"],
        "s-zhang",
    )
    assert (made["status"], made["overdue"], made["rule"]) == ("open", False, "EQ-4.4b")
    assert made["rectification_due_on"] == TEN_WORKING_DAYS_ON.isoformat()
    [event] = emitted(hall, "recorded")
    assert event["finding_id"] == made["id"] and event["severity"] == "major"
    assert (event["case_id"], event["staff_id"]) == (case["id"], "s-zhang")

    def refused() -> Any:
        response = client.post(
            "/registry/api/v1/windows",
            headers=HEXI,
            json={**_application(), "evidence": builders.EVIDENCE},
        )
        return response.json if response.status_code == 422 else None

    assert wait_for(refused, timeout=5)["rule"] == "TJ-4.3"


def _application() -> dict[str, Any]:
    return {"hall_code": "tj-hall", "name_zh": "窗", "name_en": "W", "type": "permanent"}


def test_a_wrong_finding_is_refused_naming_the_field_and_records_nothing(
    client: Client, hall: Hall
) -> None:
    window = known_window(client, hall)
    other = known_window(client, hall, "tj-nankai")
    elsewhere = known_case(client, hall, other)
    unready = builders.application(client, "tj-hexi")
    wait_for(lambda: _row(hall.runtime("inspection").db, "windows", "id", unready["id"]), 5)
    for changes, field in [
        ({"rule": "TJ-9.9"}, "rule"),
        ({"rule": "4.4b"}, "rule"),
        ({"case_id": elsewhere["id"]}, "case_id"),
        ({"case_id": 999_999}, "case_id"),
        ({"source": "draw", "source_id": None}, "source_id"),
        ({"source": "draw", "source_id": 999_999}, "source_id"),
        ({"source_id": 999_999}, "source_id"),
        ({"severity": "grave"}, "severity"),
        ({"source": "hearsay"}, "source"),
        ({"summary": "  "}, "summary"),
        ({"rectification": ""}, "rectification"),
        ({"rectification_days": 0}, "rectification_days"),
    ]:
        refused = refusal(client.post(FINDINGS, json=finding(window, **changes), headers=INSPECTOR))
        rule = "TJ-8.1" if field == "rectification_days" else "TJ-7.4"
        assert field in refused["errors"] and refused["rule"] == rule, (changes, refused)
    unknown = refusal(client.post(FINDINGS, json=finding({"id": 999}), headers=INSPECTOR), 404)
    assert "window_id" in unknown["errors"]
    not_serving = refusal(client.post(FINDINGS, json=finding(unready), headers=INSPECTOR))
    assert not_serving["rule"] == "TJ-7.4" and "window_id" in not_serving["errors"]
    refusal(client.post(FINDINGS, json=finding(window), headers=HEXI), 403)
    assert ok(client.get(FINDINGS, headers=AUTHORITY))["items"] == []
    assert emitted(hall, "recorded") == []


def test_the_deadline_follows_the_hall_s_setting_or_the_request(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = known_window(client, hall)
    monkeypatch.setenv("FINDING_RECTIFICATION_DAYS", "5")
    assert record(client, window)["rectification_due_on"] == "2026-11-30"
    assert record(client, window, rectification_days=1)["rectification_due_on"] == "2026-11-24"


def test_a_wrong_deadline_setting_is_logged_and_the_default_used(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    window = known_window(client, hall)
    for wrong in ("ten", "0"):
        caplog.clear()
        monkeypatch.setenv("FINDING_RECTIFICATION_DAYS", wrong)
        with caplog.at_level(logging.ERROR, logger="services.inspection.handlers.findings"):
            made = record(client, window)
        assert made["rectification_due_on"] == TEN_WORKING_DAYS_ON.isoformat()
        assert "FINDING_RECTIFICATION_DAYS" in caplog.text


def test_evidence_is_kept_with_its_hash_and_served_as_uploaded(client: Client, hall: Hall) -> None:
    window = known_window(client, hall)
    made = record(client, window)
    url = f"{FINDINGS}/{made['id']}/evidence"
    form = {"file": (io.BytesIO(PNG), "现场照片.png", "image/png"), "description": "窗口无人值守"}
    photo = ok(client.post(url, data=form, headers=INSPECTOR), 201)
    assert (photo["content_type"], photo["size"], photo["purpose"]) == (
        "image/png",
        len(PNG),
        "finding",
    )
    note = ok(
        client.post(
            f"{url}?filename=note.txt&replaces_id={photo['id']}",
            data="补充说明".encode(),
            headers={**INSPECTOR, "Content-Type": "text/plain; charset=utf-8"},
        ),
        201,
    )
    assert note["replaces_id"] == photo["id"] and note["filename"] == "note.txt"
    assert [e["id"] for e in ok(client.get(url, headers=HEXI))] == [photo["id"], note["id"]]
    got = client.get(f"{url}/{photo['id']}", headers=HEXI)
    assert got.status_code == 200 and got.data == PNG and got.mimetype == "image/png"
    assert "filename*=UTF-8''%E7%8E%B0" in got.headers["Content-Disposition"]
    assert got.headers["ETag"] == f'"{photo["sha256"]}"'
    assert [e["evidence_id"] for e in emitted(hall, "evidence_added")] == [photo["id"], note["id"]]

    exe = {"file": (io.BytesIO(b"MZ\x90\x00"), "tool.exe", "application/x-msdownload")}
    assert "file" in refusal(client.post(url, data=exe, headers=INSPECTOR))["errors"]
    big = b"a" * (10 * 1024 * 1024 + 1)
    huge = client.post(url, data=big, headers={**INSPECTOR, "Content-Type": "text/plain"})
    assert "file" in refusal(huge, 413)["errors"]
    assert (
        "replaces_id"
        in refusal(
            client.post(
                f"{url}?replaces_id=999",
                data=b"x",
                headers={**INSPECTOR, "Content-Type": "text/plain"},
            )
        )["errors"]
    )
    assert len(ok(client.get(url, headers=AUTHORITY))) == 2
    refusal(client.get(f"{url}/{photo['id']}", headers=NANKAI), 404)

    db = hall.runtime("inspection").db
    with db.session() as session, session.begin():
        table = db.table("finding_evidence")
        session.execute(update(table).where(table.c.id == photo["id"]).values(data=PNG + b"!"))
    assert refusal(client.get(f"{url}/{photo['id']}", headers=HEXI), 500)["status"] == 500


def test_a_unit_sees_only_the_findings_on_its_own_windows(client: Client, hall: Hall) -> None:
    hexi, nankai = known_window(client, hall), known_window(client, hall, "tj-nankai")
    first = record(client, hexi, severity="minor")
    second = record(client, hexi, severity="serious", rule="TJ-8.3")
    theirs = record(client, nankai)
    mine = ok(client.get(FINDINGS, headers=HEXI))["items"]
    assert [f["id"] for f in mine] == [first["id"], second["id"]]
    refusal(client.get(f"{FINDINGS}/{theirs['id']}", headers=HEXI), 404)
    assert ok(client.get(f"{FINDINGS}/{theirs['id']}", headers=NANKAI))["id"] == theirs["id"]
    serious = ok(client.get(f"{FINDINGS}?severity=serious", headers=AUTHORITY))["items"]
    assert [f["id"] for f in serious] == [second["id"]]
    by_unit = ok(client.get(f"{FINDINGS}?unit_code=tj-nankai", headers=bearer("integrator")))
    assert [f["id"] for f in by_unit["items"]] == [theirs["id"]]
    assert ok(client.get(f"{FINDINGS}?from=2026-11-24", headers=AUTHORITY))["items"] == []
    today = ok(client.get(f"{FINDINGS}?from=2026-11-23&to=2026-11-23", headers=AUTHORITY))
    assert len(today["items"]) == 3
    page = ok(client.get(f"{FINDINGS}?limit=2", headers=AUTHORITY))
    rest = ok(client.get(f"{FINDINGS}?limit=2&cursor={page['next_cursor']}", headers=AUTHORITY))
    assert [f["id"] for f in page["items"] + rest["items"]] == [
        first["id"],
        second["id"],
        theirs["id"],
    ]
    assert rest["next_cursor"] is None


def test_the_unit_reports_rectification_and_the_inspectors_verify(
    client: Client, hall: Hall
) -> None:
    window = known_window(client, hall)
    made = record(client, window)
    url = f"{FINDINGS}/{made['id']}"
    report = {"report": "清单已上墙并培训 · checklist posted, staff trained"}
    refusal(client.post(f"{url}/rectification", json=report, headers=NANKAI), 404)
    refusal(client.post(f"{url}/verification", json={"accepted": True}, headers=INSPECTOR), 409)
    assert (
        ok(client.post(f"{url}/rectification", json=report, headers=HEXI))["status"] == "reported"
    )
    refusal(client.post(f"{url}/rectification", json=report, headers=HEXI), 409)
    silent = refusal(
        client.post(f"{url}/verification", json={"accepted": False}, headers=INSPECTOR)
    )
    assert "note" in silent["errors"]
    rejected = ok(
        client.post(
            f"{url}/verification",
            json={"accepted": False, "note": "清单缺收费标准", "rectification_days": 3},
            headers=INSPECTOR,
        )
    )
    assert (rejected["status"], rejected["rectification_due_on"]) == ("open", "2026-11-26")
    ok(client.post(f"{url}/rectification", json={"report": "已补收费标准"}, headers=HEXI))
    done = ok(client.post(f"{url}/verification", json={"accepted": True}, headers=AUTHORITY))
    assert done["status"] == "rectified"
    detail = ok(client.get(url, headers=HEXI))
    verdicts = [(r["accepted"], r["due_on"]) for r in detail["rectifications"]]
    assert verdicts == [(False, TEN_WORKING_DAYS_ON.isoformat()), (True, "2026-11-26")]
    assert [e["due_on"] for e in emitted(hall, "rectification_rejected")] == ["2026-11-26"]
    assert (
        len(emitted(hall, "rectification_reported")) == 2 and len(emitted(hall, "rectified")) == 1
    )


def test_a_missed_deadline_is_announced_once_per_deadline(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = known_window(client, hall)
    late, reported = record(client, window), record(client, window)
    url = f"{FINDINGS}/{reported['id']}/rectification"
    ok(client.post(url, json={"report": "done"}, headers=HEXI))
    rt = hall.runtime("inspection")
    monkeypatch.setattr(clock, "today", lambda: TEN_WORKING_DAYS_ON)
    assert finding_rectification.overdue_sweep(rt) == 0  # the deadline day itself is still in time
    monkeypatch.setattr(clock, "today", lambda: TEN_WORKING_DAYS_ON + timedelta(days=1))
    assert finding_rectification.overdue_sweep(rt) == 1
    assert finding_rectification.overdue_sweep(rt) == 0
    [event] = emitted(hall, "rectification_overdue")
    assert event["finding_id"] == late["id"]
    shown = ok(client.get(f"{FINDINGS}/{late['id']}", headers=HEXI))
    assert shown["overdue"] is True and shown["overdue_at"] is not None

    # Reported late and rejected: the new deadline, missed too, is announced in its turn.
    ok(client.post(f"{FINDINGS}/{late['id']}/rectification", json={"report": "x"}, headers=HEXI))
    verdict = {"accepted": False, "note": "仍未整改", "rectification_days": 1}
    again = ok(
        client.post(f"{FINDINGS}/{late['id']}/verification", json=verdict, headers=INSPECTOR)
    )
    assert (again["overdue"], again["overdue_at"]) == (False, None)
    monkeypatch.setattr(clock, "today", lambda: date.fromisoformat(again["rectification_due_on"]))
    assert finding_rectification.overdue_sweep(rt) == 0
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 31))
    assert (
        finding_rectification.overdue_sweep(rt) == 1
        and finding_rectification.overdue_sweep(rt) == 0
    )
    assert [e["due_on"] for e in emitted(hall, "rectification_overdue")] == [
        TEN_WORKING_DAYS_ON.isoformat(),
        again["rectification_due_on"],
    ]


def test_a_withdrawn_finding_stays_listed_and_its_correction_names_it(
    client: Client, hall: Hall
) -> None:
    window = known_window(client, hall)
    wrong = record(client, window, rule="TJ-6.1")
    url = f"{FINDINGS}/{wrong['id']}"
    early = refusal(
        client.post(FINDINGS, json=finding(window, corrects_id=wrong["id"]), headers=INSPECTOR), 409
    )
    assert "corrects_id" in early["errors"]
    assert (
        "reason"
        in refusal(client.post(f"{url}/withdrawal", json={"reason": " "}, headers=INSPECTOR))[
            "errors"
        ]
    )
    refusal(client.post(f"{url}/withdrawal", json={"reason": "x"}, headers=HEXI), 403)
    reason = {"reason": "记错窗口 · recorded against the wrong rule"}
    withdrawn = ok(client.post(f"{url}/withdrawal", json=reason, headers=AUTHORITY))
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawn_reason"] == reason["reason"]
    refusal(client.post(f"{url}/withdrawal", json=reason, headers=AUTHORITY), 409)
    refusal(client.post(f"{url}/rectification", json={"report": "x"}, headers=HEXI), 409)
    correction = record(client, window, rule="TJ-6.2", corrects_id=wrong["id"])
    listed = ok(client.get(FINDINGS, headers=HEXI))["items"]
    assert [(f["id"], f["status"]) for f in listed] == [
        (wrong["id"], "withdrawn"),
        (correction["id"], "open"),
    ]
    [event] = emitted(hall, "withdrawn")
    assert (event["finding_id"], event["reason"]) == (wrong["id"], reason["reason"])


def visit(window: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "window_id": window["id"],
        "visited_on": "2026-11-20",
        "visitors": ["市科技局 王科长", "市人社局 李"],
        "summary": "查看受理台账和一次性告知 · checked the register and notices",
        "problems": [],
        **changes,
    }


def test_the_authority_visits_a_window_and_records_problems_as_findings(
    client: Client, hall: Hall
) -> None:
    window = known_window(client, hall)
    problems: list[dict[str, Any]] = [
        {
            "description": "收费标准未公示 · fees not posted",
            "finding": {"severity": "minor", "rule": "EQ-1.3", "rectification": "公示收费标准"},
        },
        {"description": "B 岗不熟悉系统 · B does not know the system"},
    ]
    made = ok(client.post(VISITS, json=visit(window, problems=problems), headers=AUTHORITY), 201)
    assert (made["visitor_role"], made["unit_code"]) == ("authority", "tj-hexi")
    first, second = made["problems"]
    assert first["finding_id"] is not None and second["finding_id"] is None
    recorded = ok(client.get(f"{FINDINGS}/{first['finding_id']}", headers=HEXI))
    assert (recorded["source"], recorded["source_id"], recorded["problem_number"]) == (
        "guidance_visit",
        made["id"],
        1,
    )
    assert recorded["summary"] == problems[0]["description"]
    later = finding(
        window, source="guidance_visit", source_id=made["id"], problem_number=2, rule="TJ-7.1"
    )
    linked = ok(client.post(FINDINGS, json=later, headers=INSPECTOR), 201)
    again = refusal(client.post(FINDINGS, json=later, headers=INSPECTOR), 409)
    assert "problem_number" in again["errors"]
    other = known_window(client, hall, "tj-nankai")
    moved = refusal(
        client.post(FINDINGS, json={**later, "window_id": other["id"]}, headers=INSPECTOR)
    )
    assert moved["rule"] == "TJ-7.2"
    shown = ok(client.get(f"{VISITS}/{made['id']}", headers=HEXI))
    assert [p["finding_id"] for p in shown["problems"]] == [first["finding_id"], linked["id"]]
    [event] = emitted(hall, "guidance_visit.recorded")
    assert event["problems"] == [p["description"] for p in problems]
    assert event["finding_ids"] == [first["finding_id"]]

    # A withdrawn finding frees its problem for the correction, which takes its place.
    reason = {"reason": "规则引错 · wrong rule"}
    ok(client.post(f"{FINDINGS}/{linked['id']}/withdrawal", json=reason, headers=AUTHORITY))
    fixed = {**later, "rule": "EQ-3.1a", "corrects_id": linked["id"]}
    correction = ok(client.post(FINDINGS, json=fixed, headers=INSPECTOR), 201)
    shown = ok(client.get(f"{VISITS}/{made['id']}", headers=HEXI))
    assert shown["problems"][1]["finding_id"] == correction["id"]


def test_a_unit_visits_its_own_windows_and_records_the_problems(client: Client, hall: Hall) -> None:
    hexi, nankai = known_window(client, hall), known_window(client, hall, "tj-nankai")
    own = visit(hexi, problems=[{"description": "台账未及时更新"}])
    made = ok(client.post(VISITS, json=own, headers=HEXI), 201)
    assert (made["visitor_role"], made["visitor_unit"]) == ("unit", "tj-hexi")
    refusal(client.post(VISITS, json=visit(nankai), headers=HEXI), 404)
    for role in ("inspector", "center"):
        assert (
            refusal(client.post(VISITS, json=visit(hexi), headers=bearer(role)), 403)["rule"]
            == "TJ-7.2"
        )
    with_finding = [
        {
            "description": "x",
            "finding": {"severity": "minor", "rule": "EQ-1.3", "rectification": "y"},
        }
    ]
    self_finding = refusal(
        client.post(VISITS, json=visit(hexi, problems=with_finding), headers=HEXI), 403
    )
    assert self_finding["rule"] == "TJ-1"
    ahead = refusal(client.post(VISITS, json=visit(hexi, visited_on="2026-11-24"), headers=HEXI))
    assert "visited_on" in ahead["errors"]
    blank = refusal(
        client.post(VISITS, json=visit(hexi, problems=[{"description": " "}]), headers=HEXI)
    )
    assert "problems.0.description" in blank["errors"]
    assert ok(client.get(VISITS, headers=NANKAI))["items"] == []
    refusal(client.get(f"{VISITS}/{made['id']}", headers=NANKAI), 404)
    listed = ok(client.get(f"{VISITS}?from=2026-11-20&to=2026-11-20", headers=bearer("center")))
    assert [v["id"] for v in listed["items"]] == [made["id"]]
    assert len(emitted(hall, "guidance_visit.recorded")) == 1 and emitted(hall, "recorded") == []
