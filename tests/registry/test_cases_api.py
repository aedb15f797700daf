"""Cases through the API: acceptance rules, the chain, tracking, supervision and volume."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.registry.handlers import supervision
from shared import clock
from tests import builders
from tests.builders import CENTER, ok
from tests.support import bearer, wait_for

HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")


@pytest.fixture
def window(client: Client) -> dict[str, Any]:
    builders.matter(
        client,
        "work-permit-short",
        name_en="Work permit, 90 days or less",
        promised_limit_days=5,
        legal_limit_days=5,
        extension_days=0,
        extension_note="",
    )
    return builders.published_window(client, "tj-hexi", ["work-permit-long"])


def accept(
    client: Client,
    window: dict[str, Any],
    matter: str = "work-permit-long",
    status: int = 201,
    **extra: Any,
) -> Any:
    body = {
        "window_id": window["id"],
        "matter_code": matter,
        "applicant": "John Smith",
        "staff_id": "s-zhang",
        **extra,
    }
    response = client.post("/registry/api/v1/cases", json=body, headers=HEXI)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def act(
    client: Client, case: dict[str, Any], action: str, body: dict[str, Any], status: int = 200
) -> Any:
    response = client.post(f"/registry/api/v1/cases/{case['id']}/{action}", json=body, headers=HEXI)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def test_a_case_runs_the_full_chain_and_the_public_tracks_it(
    client: Client, window: dict[str, Any]
) -> None:
    case = accept(client, window)
    assert case["receipt_number"].startswith(clock.today().strftime("%Y%m%d"))
    assert len(case["query_code"]) == 8 and case["due_on"] > case["accepted_on"]
    for stage in ("handled", "reviewed", "approved", "issued", "delivered"):
        case = act(client, case, "steps", {"stage": stage, "staff_id": "s-li"})
    assert case["stage"] == "delivered" and len(case["history"]) == 6
    track = f"/registry/api/v1/tracking?receipt_number={case['receipt_number']}"
    code = accept(client, window)["query_code"]  # another case's code
    assert client.get(f"{track}&query_code={code}").status_code == 404
    first = client.post(
        "/registry/api/v1/cases",
        headers=HEXI,
        json={
            "window_id": window["id"],
            "matter_code": "work-permit-long",
            "applicant": "A",
            "staff_id": "s",
        },
    ).json
    tracked = ok(
        client.get(
            f"/registry/api/v1/tracking?receipt_number="
            f"{first['receipt_number']}&query_code={first['query_code']}"
        )
    )
    assert tracked["stage"] == "accepted" and "applicant" not in tracked
    assert "staff_id" not in tracked["history"][0]


def test_a_case_only_for_delegated_matters_at_open_windows(
    client: Client, window: dict[str, Any], publish: Callable[[str, str], None]
) -> None:
    refused = accept(client, window, "work-permit-short", status=422)
    assert refused["rule"] == "TJ-2.1"
    draft = builders.application(client, "tj-hexi")
    assert accept(client, draft, status=422)["rule"] == "TJ-5.6"
    publish(*builders.sanction(window, "suspension"))
    wait_for(lambda: accept(client, window, status=422)["rule"] == "TJ-8.2", timeout=3)


def test_a_unit_handles_only_its_own_cases(client: Client, window: dict[str, Any]) -> None:
    case = accept(client, window)
    assert client.get(f"/registry/api/v1/cases/{case['id']}", headers=NANKAI).status_code == 404
    stranger = client.post(
        f"/registry/api/v1/cases/{case['id']}/steps",
        headers=NANKAI,
        json={"stage": "handled", "staff_id": "x"},
    )
    assert stranger.status_code == 404
    other_window = client.post(
        "/registry/api/v1/cases",
        headers=NANKAI,
        json={
            "window_id": window["id"],
            "matter_code": "work-permit-long",
            "applicant": "A",
            "staff_id": "s",
        },
    )
    assert other_window.status_code == 404
    assert ok(client.get("/registry/api/v1/cases", headers=NANKAI))["items"] == []
    assert [c["id"] for c in ok(client.get("/registry/api/v1/cases", headers=CENTER))["items"]] == [
        case["id"]
    ]


def test_one_time_notification_and_the_clock(client: Client, window: dict[str, Any]) -> None:
    case = accept(client, window)
    asked = act(
        client,
        case,
        "supplement-request",
        {"materials": ["passport copy", "employment contract"], "staff_id": "s-zhang"},
    )
    assert asked["paused"] is True
    second = act(
        client, asked, "supplement-request", {"materials": ["photo"], "staff_id": "s"}, status=422
    )
    assert second["rule"] == "EQ-4.4b"
    tracked = ok(
        client.get(
            f"/registry/api/v1/tracking?receipt_number={case['receipt_number']}"
            f"&query_code={case['query_code']}"
        )
    )
    assert tracked["supplement"] == ["passport copy", "employment contract"] and tracked["paused"]
    resumed = act(client, asked, "supplement-received", {"staff_id": "s-zhang"})
    assert resumed["paused"] is False and resumed["due_on"] >= case["due_on"]
    extended = act(
        client, resumed, "extension", {"days": 3, "reason": "expert opinion", "staff_id": "s-li"}
    )
    assert extended["extension_days"] == 3 and extended["due_on"] > resumed["due_on"]
    too_long = act(
        client, extended, "extension", {"days": 8, "reason": "x", "staff_id": "s"}, status=422
    )
    assert too_long["rule"] == "EQ-4.4c"
    assisted = act(client, extended, "assistance", {"staff_id": "s-wang"})
    assert assisted["assisted_by"] == "s-wang"


def test_supervision_warns_yellow_then_red_and_the_center_lists_them(
    client: Client, window: dict[str, Any], hall: Hall
) -> None:
    case = accept(client, window)
    rt = hall.runtime("registry")
    due = date.fromisoformat(case["due_on"])
    two_left = next(
        day
        for day in (due - timedelta(days=n) for n in range(1, 10))
        if rt.calendar.workdays_between(day, due) == 2
    )
    sweep = lambda day: supervision.sweep(rt.uow(actor="sweep"), rt.calendar, day)  # noqa: E731
    assert sweep(clock.today()) == 0
    assert sweep(two_left) == 1
    assert sweep(two_left) == 0  # a warning is raised once
    yellow = ok(client.get("/registry/api/v1/case-warnings?level=yellow", headers=CENTER))
    assert [c["id"] for c in yellow["items"]] == [case["id"]]
    assert sweep(rt.calendar.add_workdays(due, 1)) == 1
    red = ok(
        client.get(
            f"/registry/api/v1/case-warnings?level=red&window_id={window['id']}", headers=CENTER
        )
    )["items"]
    assert red[0]["warning"] == "red" and red[0]["stage_overrun"] is True
    assert client.get("/registry/api/v1/case-warnings", headers=HEXI).status_code == 403
    levels = [event["data"]["level"] for event in _outbox(hall, "case.warned.v1")]
    assert levels == ["yellow", "red"]


def _outbox(hall: Hall, suffix: str) -> list[dict[str, Any]]:
    import json

    from sqlalchemy import select

    rt = hall.runtime("registry")
    outbox = rt.db.table("outbox")
    with rt.db.session() as session:
        bodies = session.execute(
            select(outbox.c.body)
            .where(outbox.c.type.like(f"%{suffix}"))
            .order_by(outbox.c.created_at)
        ).scalars()
        return [json.loads(body) for body in bodies]


def test_volume_low_windows_and_surges(client: Client, window: dict[str, Any]) -> None:
    for _ in range(3):
        accept(client, window)
    today = clock.today().isoformat()
    by_window = ok(
        client.get(f"/registry/api/v1/volume?by=window&from={today}&to={today}", headers=CENTER)
    )
    assert by_window == [{"window_id": window["id"], "cases": 3}]
    low = ok(client.get("/registry/api/v1/volume/low?min_cases=5", headers=CENTER))
    assert [w["window_id"] for w in low] == [window["id"]]
    assert ok(client.get("/registry/api/v1/volume/low?min_cases=3", headers=CENTER)) == []
    surges = ok(client.get("/registry/api/v1/volume/surges?threshold=2", headers=CENTER))
    assert surges == [{"window_id": window["id"], "accepted_on": today, "cases": 3}]
    bad = client.get("/registry/api/v1/volume?from=2026-05-01&to=2026-04-01", headers=CENTER)
    assert bad.status_code == 422 and "to" in bad.json["errors"]


def test_enquiries_stay_with_their_first_owner(client: Client, window: dict[str, Any]) -> None:
    enquiry = ok(
        client.post(
            "/registry/api/v1/enquiries",
            headers=HEXI,
            json={
                "window_id": window["id"],
                "question": "Can a spouse apply?",
                "staff_id": "s-zhang",
            },
        ),
        201,
    )
    grab = client.post(
        f"/registry/api/v1/enquiries/{enquiry['id']}/answer",
        headers=HEXI,
        json={"by_staff_id": "s-li", "answer": "yes"},
    )
    assert grab.status_code == 422 and grab.json["rule"] == "EQ-4.4a"
    handed = ok(
        client.post(
            f"/registry/api/v1/enquiries/{enquiry['id']}/handover",
            headers=HEXI,
            json={
                "by_staff_id": "s-zhang",
                "to_staff_id": "s-li",
                "reason": "family permits specialist",
            },
        )
    )
    assert handed["owner"] == "s-li" and handed["handovers"][0]["from_staff"] == "s-zhang"
    assert (
        client.get(f"/registry/api/v1/enquiries/{enquiry['id']}", headers=NANKAI).status_code == 404
    )


def test_a_case_due_on_friday_is_not_red_on_sunday(client: Client, hall: Hall) -> None:
    from services.registry.handlers import cases as case_handlers

    window = builders.application(client, "tj-hexi")
    builders.procedure(client, window["id"], ["work-permit-long"], starts_on="2026-01-05")
    rt = hall.runtime("registry")
    case = case_handlers.accept(
        rt.uow(actor="t"),
        rt.calendar,
        "tj-hexi",
        {
            "window_id": window["id"],
            "matter_code": "work-permit-long",
            "applicant": "A",
            "staff_id": "s",
        },
        today=date(2026, 2, 26),
    )  # Thursday; 10 working days
    # 2026-02-28 is a Saturday worked in exchange for the Spring Festival: due Wednesday 11th.
    assert case["due_on"] == date(2026, 3, 11)
    sweep = lambda day: supervision.sweep(rt.uow(actor="sweep"), rt.calendar, day)  # noqa: E731
    assert sweep(date(2026, 3, 10)) == 1  # yellow
    saturday, monday = date(2026, 3, 14), date(2026, 3, 16)
    due_friday = case_handlers.extend(
        rt.uow(actor="t"),
        rt.calendar,
        case["id"],
        None,
        {"days": 2, "reason": "r", "staff_id": "s"},
        today=date(2026, 3, 10),
    )
    assert due_friday["due_on"] == date(2026, 3, 13) and due_friday["warning"] == "none"
    assert sweep(date(2026, 3, 12)) == 1  # yellow again, judged afresh after the extension
    assert sweep(saturday) == 0 and sweep(saturday + timedelta(days=1)) == 0  # Friday not over
    assert sweep(monday) == 1
    assert (
        ok(client.get(f"/registry/api/v1/cases/{case['id']}", headers=CENTER))["warning"] == "red"
    )


def test_who_saw_an_applicants_name_is_in_the_audit_trail(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    from sqlalchemy import text

    case = accept(client, window)
    ok(client.get(f"/registry/api/v1/cases/{case['id']}", headers=CENTER))
    ok(client.get("/registry/api/v1/cases", headers=HEXI))
    with hall.runtime("registry").db.engine.connect() as conn:
        reads = conn.execute(
            text("SELECT actor, action, after FROM audit_log WHERE after LIKE '%\"read\"%'")
        ).all()
    assert [(r.actor.split(":")[0], r.action) for r in reads] == [
        ("center", "GET /api/v1/cases/<int:case_id>"),
        ("unit", "GET /api/v1/cases"),
    ]
    assert all(f"case:{case['id']}: applicant" in r.after for r in reads)
