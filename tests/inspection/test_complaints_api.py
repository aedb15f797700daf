"""Complaints and reports from the public through the API (TJ-7.5, TJ-8.3): taken with or without
a name, followed with a number and code, decided by a deadline with reasons, and the privacy of
who complained — shown in full only to the handling roles, every such read logged."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.inspection.handlers import complaints as handlers
from shared import clock
from tests import builders
from tests.builders import ok
from tests.support import bearer, wait_for

URL = "/inspection/api/v1/complaints"
READS = "/inspection/api/v1/personal-data-reads"
CENTER = bearer("center")
INSPECTOR = bearer("inspector")
AUTHORITY = bearer("authority")
HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
MONDAY = date(2026, 11, 23)
NAMED = {"complainant_name": "王小芳", "complainant_phone": "138 1234 5678"}


def _known(hall: Hall, window_id: int) -> Any:
    db = hall.runtime("inspection").db
    windows = db.table("windows")
    with db.session() as session:
        return session.execute(select(windows).where(windows.c.id == window_id)).first()


@pytest.fixture
def window(client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A published tj-hexi window inspection knows; today is a Monday."""
    published = builders.published_window(client, "tj-hexi", ["work-permit-long"])
    wait_for(lambda: (w := _known(hall, published["id"])) and w.state == "active", timeout=5)
    monkeypatch.setattr(clock, "today", lambda: MONDAY)
    return published


def complain(client: Client, window: dict[str, Any], status: int = 201, **changes: Any) -> Any:
    body = {
        "window_id": window["id"],
        "staff_id": "s-zhang",
        "misconduct": "buck_passing",
        "account": "让我补了三次材料，每次只说一项 · sent me back three times, one item each time",
        "happened_on": "2026-11-20",
        **NAMED,
        **changes,
    }
    return ok(client.post(URL, json=body), status)


def outbox(hall: Hall, verb: str) -> list[dict[str, Any]]:
    db = hall.runtime("inspection").db
    table = db.table("outbox")
    with db.session() as session:
        rows = session.execute(select(table.c.type, table.c.body).order_by(table.c.created_at))
        kind = f"govhall.inspection.complaint.{verb}.v1"
        return [json.loads(r.body)["data"] for r in rows if r.type == kind]


def read_log(client: Client, **query: Any) -> list[dict[str, Any]]:
    return ok(client.get(READS, query_string=query, headers=AUTHORITY))["items"]


def count(client: Client) -> int:
    return len(ok(client.get(URL, headers=CENTER))["items"])


def decide(client: Client, complaint: Any, outcome: str, status: int = 200, **more: Any) -> Any:
    body = {"outcome": outcome, "reasons": "调取录像核实 · verified on the video record", **more}
    url = f"{URL}/{complaint['id']}/verification"
    return ok(client.post(url, json=body, headers=INSPECTOR), status)


def test_anyone_complains_and_follows_it_with_the_number_and_code(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    receipt = complain(client, window)
    assert receipt["number"].startswith("TS20261123") and len(receipt["tracking_code"]) == 8
    assert (receipt["status"], receipt["due_on"]) == ("received", "2026-11-30")  # 5 working days
    track = {"number": receipt["number"], "code": receipt["tracking_code"].lower()}
    seen = ok(client.get(f"{URL}/track", query_string=track))
    assert (seen["status"], seen["due_on"], seen["reasons"]) == ("received", "2026-11-30", None)
    assert "王" not in json.dumps(seen, ensure_ascii=False) and "5678" not in json.dumps(seen)
    wrong = client.get(f"{URL}/track", query_string={**track, "code": "AAAAAAAA"})
    assert wrong.status_code == 404 and wrong.content_type == "application/problem+json"
    [received] = outbox(hall, "received")
    assert received["misconduct"] == "buck_passing" and received["anonymous"] is False
    assert "王" not in json.dumps(received, ensure_ascii=False) and "5678" not in json.dumps(
        received
    )
    db = hall.runtime("inspection").db
    with db.session() as session:
        stored = session.execute(select(db.table("complaints"))).one()
    assert receipt["tracking_code"] not in json.dumps(stored._asdict(), default=str)
    assert stored.complainant_phone == "13812345678"


def test_the_deadline_comes_from_complaint_days(
    client: Client, window: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLAINT_DAYS", "2")
    assert complain(client, window)["due_on"] == "2026-11-25"
    monkeypatch.setenv("COMPLAINT_DAYS", "five")  # a wrong setting: the default, not a 500
    assert complain(client, window)["due_on"] == "2026-11-30"


def test_an_anonymous_report_identifies_nobody(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    receipt = complain(client, window, complainant_name=None, complainant_phone="")
    shown = ok(client.get(f"{URL}/{receipt['id']}", headers=CENTER))
    assert shown["anonymous"] is True
    assert (shown["complainant_name"], shown["complainant_phone"]) == (None, None)
    assert read_log(client) == []  # nothing personal was shown
    assert outbox(hall, "received")[0]["anonymous"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"complainant_phone": "12345"}, "complainant_phone"),
        ({"account": "   "}, "account"),
        ({"happened_on": "2026-11-24"}, "happened_on"),
        ({"window_id": 9999}, "window_id"),
    ],
)
def test_a_wrong_complaint_names_the_field_and_changes_nothing(
    client: Client, hall: Hall, window: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    refused = complain(client, window, 422, **change)
    assert list(refused["errors"]) == [field]
    assert count(client) == 0 and outbox(hall, "received") == []


def test_only_the_misconduct_types_of_tj_8_3_are_named(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    refused = complain(client, window, 422, misconduct="rudeness")
    assert refused["rule"] == "TJ-8.3" and list(refused["errors"]) == ["misconduct"]
    assert count(client) == 0
    for kind in ("buck_passing", "soliciting_favours", "abuse_of_power", None):
        complain(client, window, misconduct=kind)
    listed = ok(client.get(URL, query_string={"misconduct": "abuse_of_power"}, headers=CENTER))
    assert [c["misconduct"] for c in listed["items"]] == ["abuse_of_power"]
    receipt = complain(client, window, misconduct=None)
    wrong = decide(client, receipt, "upheld", 422, misconduct="laziness")
    assert wrong["rule"] == "TJ-8.3"
    assert ok(client.get(f"{URL}/{receipt['id']}", headers=CENTER))["status"] == "received"


def test_only_a_window_that_served_the_public_is_complained_about_tj_7_5(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    applied = builders.application(client, "tj-hexi")
    wait_for(lambda: _known(hall, applied["id"]), timeout=5)
    refused = complain(client, applied, 422)
    assert refused["rule"] == "TJ-7.5" and list(refused["errors"]) == ["window_id"]
    assert count(client) == 0


def test_names_and_phones_are_shown_to_the_handlers_and_every_read_is_logged(
    client: Client, window: dict[str, Any]
) -> None:
    first, second = complain(client, window), complain(client, window)
    shown = ok(client.get(f"{URL}/{first['id']}", headers=CENTER))
    assert (shown["complainant_name"], shown["complainant_phone"]) == ("王小芳", "13812345678")
    assert shown["personal_data"] == "full"
    [read] = read_log(client)
    assert (read["role"], read["record_kind"], read["record_id"]) == ("center", "complaint", 1)
    assert read["reader"] == "center:test-center"
    assert read["fields"] == ["complainant_name", "complainant_phone"]
    listed = ok(client.get(URL, headers=INSPECTOR))["items"]
    assert {c["complainant_name"] for c in listed} == {"王小芳"}
    inspector_reads = read_log(client, role="inspector")
    assert sorted(r["record_id"] for r in inspector_reads) == [first["id"], second["id"]]
    assert len(read_log(client, record_kind="complaint", record_id=first["id"])) == 2
    ok(client.get(URL, query_string={"masked": "true"}, headers=INSPECTOR))
    assert len(read_log(client)) == 3  # a masked list logs nothing


def test_the_authority_sees_masks_and_the_unit_sees_nobody(
    client: Client, window: dict[str, Any]
) -> None:
    receipt = complain(client, window)
    masked = ok(client.get(f"{URL}/{receipt['id']}", headers=AUTHORITY))
    assert (masked["complainant_name"], masked["complainant_phone"]) == ("王**", "138****5678")
    own = ok(client.get(f"{URL}/{receipt['id']}", headers=HEXI))
    assert (own["complainant_name"], own["complainant_phone"], own["personal_data"]) == (
        None,
        None,
        "none",
    )
    assert own["account"].startswith("让我补了三次材料")
    assert client.get(f"{URL}/{receipt['id']}", headers=NANKAI).status_code == 404
    assert ok(client.get(URL, headers=NANKAI))["items"] == []
    assert [c["id"] for c in ok(client.get(URL, headers=HEXI))["items"]] == [receipt["id"]]
    assert read_log(client) == []
    assert client.get(READS, headers=CENTER).status_code == 403  # the authority audits
    assert client.get(f"{URL}/{receipt['id']}", headers=bearer("integrator")).status_code == 403


def test_a_complaint_is_assigned_verified_and_upheld_once(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    receipt = complain(client, window)
    url = f"{URL}/{receipt['id']}"
    assert (
        client.post(f"{url}/assignment", json={"handler": "督查科 李"}, headers=HEXI).status_code
        == 403
    )
    assigned = ok(client.post(f"{url}/assignment", json={"handler": "督查科 李"}, headers=CENTER))
    assert (assigned["status"], assigned["handler"]) == ("assigned", "督查科 李")
    assert assigned["complainant_name"] == "王**"  # writes answer masked and log no read
    assert outbox(hall, "assigned")[0]["handler"] == "督查科 李"
    no_reasons = decide(client, receipt, "upheld", 422, reasons=" ")
    assert list(no_reasons["errors"]) == ["reasons"] and no_reasons["rule"] == "TJ-7.5"
    undecided = decide(client, receipt, "pending", 422)  # verified and upheld, or dismissed
    assert list(undecided["errors"]) == ["outcome"] and undecided["rule"] == "TJ-7.5"
    upheld = decide(client, receipt, "upheld", misconduct="soliciting_favours")
    assert (upheld["status"], upheld["misconduct"]) == ("upheld", "soliciting_favours")
    assert upheld["decided_by"] == "inspector:test-inspector" and upheld["overdue"] is False
    [event] = outbox(hall, "upheld")
    assert (event["complaint_id"], event["staff_id"], event["unit_code"]) == (
        receipt["id"],
        "s-zhang",
        "tj-hexi",
    )
    assert event["summary"] == "调取录像核实 · verified on the video record"
    again = decide(client, receipt, "dismissed", 409)
    assert again["status"] == 409
    assert (
        client.post(f"{url}/assignment", json={"handler": "x"}, headers=CENTER).status_code == 409
    )
    assert len(outbox(hall, "upheld")) == 1 and outbox(hall, "dismissed") == []
    track = {"number": receipt["number"], "code": receipt["tracking_code"]}
    seen = ok(client.get(f"{URL}/track", query_string=track))
    assert (seen["status"], seen["reasons"]) == ("upheld", upheld["reasons"])


def test_staffing_counts_an_upheld_complaint_against_the_staff_member(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    decide(client, complain(client, window), "upheld")
    db = hall.runtime("staffing").db
    inputs = db.table("assessment_inputs")

    def counted() -> Any:
        with db.session() as session:
            return session.execute(select(inputs).where(inputs.c.ref == "complaint:1")).first()

    row = wait_for(counted, timeout=5)
    assert (row.kind, row.staff_id, row.detail) == ("complaint_upheld", "s-zhang", "buck_passing")


def test_a_dismissal_and_its_correction_are_new_entries(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    receipt = complain(client, window)
    dismissed = decide(client, receipt, "dismissed", reasons="录像显示一次性告知 · told once")
    [event] = outbox(hall, "dismissed")
    assert event["reasons"] == dismissed["reasons"] and event["corrects_complaint_id"] is None
    open_one = complain(client, window)
    url = f"{URL}/{open_one['id']}/corrections"
    body = {"outcome": "upheld", "reasons": "复核 · reviewed"}
    assert client.post(url, json=body, headers=CENTER).status_code == 409  # decide it instead
    correction = ok(
        client.post(f"{URL}/{receipt['id']}/corrections", json=body, headers=CENTER), 201
    )
    assert correction["corrects_id"] == receipt["id"] and correction["status"] == "upheld"
    assert correction["id"] != receipt["id"] and correction["number"] != receipt["number"]
    original = ok(client.get(f"{URL}/{receipt['id']}", headers=CENTER))
    assert (original["status"], original["corrected_by_id"]) == ("dismissed", correction["id"])
    [corrected] = outbox(hall, "corrected")
    assert (corrected["complaint_id"], corrected["correction_id"]) == (
        receipt["id"],
        correction["id"],
    )
    assert (corrected["previous_outcome"], corrected["outcome"]) == ("dismissed", "upheld")
    assert [e["complaint_id"] for e in outbox(hall, "upheld")] == [correction["id"]]
    twice = ok(client.post(f"{URL}/{receipt['id']}/corrections", json=body, headers=CENTER), 409)
    assert correction["number"] in twice["detail"]
    track = {"number": receipt["number"], "code": receipt["tracking_code"]}
    seen = ok(client.get(f"{URL}/track", query_string=track))
    assert seen["status"] == "dismissed"
    assert [(c["status"], c["reasons"]) for c in seen["corrections"]] == [
        ("upheld", "复核 · reviewed")
    ]


def test_an_undecided_complaint_past_its_deadline_is_announced_once(
    client: Client, hall: Hall, window: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    late = complain(client, window)
    decided = complain(client, window)
    decide(client, decided, "dismissed")
    runtime = hall.runtime("inspection")
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 30))
    assert handlers.overdue_sweep(runtime) == 0  # the last day is still in time
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 1))
    assert handlers.overdue_sweep(runtime) == 1
    assert handlers.overdue_sweep(runtime) == 0
    [event] = outbox(hall, "overdue")
    assert (event["complaint_id"], event["status"], event["due_on"]) == (
        late["id"],
        "received",
        "2026-11-30",
    )
    overdue = ok(client.get(URL, query_string={"overdue": "true"}, headers=AUTHORITY))["items"]
    assert [c["id"] for c in overdue] == [late["id"]]
    in_time = ok(client.get(URL, query_string={"overdue": "false"}, headers=AUTHORITY))["items"]
    assert [c["id"] for c in in_time] == [decided["id"]]


def test_lists_page_with_a_cursor(client: Client, window: dict[str, Any]) -> None:
    ids = [
        complain(client, window, complainant_name=None, complainant_phone=None)["id"]
        for _ in range(3)
    ]
    first = ok(client.get(URL, query_string={"limit": 2}, headers=CENTER))
    rest = ok(
        client.get(URL, query_string={"limit": 2, "cursor": first["next_cursor"]}, headers=CENTER)
    )
    assert [c["id"] for c in first["items"] + rest["items"]] == ids
    assert rest["next_cursor"] is None
