"""Absences and cover (EQ-3.2.5) through the API: A reports, the chief representative decides,
B is told to cover, and a post with neither A nor B present is raised."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.staffing.adapters import tables
from services.staffing.handlers import absences
from shared import clock
from shared.db import Database
from tests.builders import ok
from tests.staffing import builders as staffing
from tests.support import bearer, wait_for

HEXI = bearer("unit", "tj-hexi")
CENTER = bearer("center")
MONDAY = date(2026, 11, 23)  # a working day; Tuesday the 24th is the next one
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def monday(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: MONDAY)


def appoint_chief(client: Client) -> dict[str, Any]:
    chief = staffing.person(client, "tj-hexi", "王局")
    url = "/staffing/api/v1/chief-representatives/tj-hexi"
    ok(client.put(url, json={"staff_id": chief["id"]}, headers=HEXI), 201)
    return chief


def report(client: Client, staff_id: str, starts: date, ends: date | None = None) -> Any:
    body = {
        "staff_id": staff_id,
        "starts_on": starts.isoformat(),
        "ends_on": (ends or starts).isoformat(),
        "reason": "家中有事 family matter",
    }
    return ok(client.post("/staffing/api/v1/absences", json=body, headers=HEXI), 201)


def decide(client: Client, absence_id: int, chief_id: str, verb: str = "approval") -> Any:
    return client.post(
        f"/staffing/api/v1/absences/{absence_id}/{verb}",
        json={"chief_staff_id": chief_id},
        headers=HEXI,
    )


def cover(client: Client, window_id: int, on: date) -> list[dict[str, Any]]:
    url = f"/staffing/api/v1/cover?window_id={window_id}&on={on.isoformat()}"
    rows: list[dict[str, Any]] = ok(client.get(url, headers=HEXI))
    return rows


def inbox(client: Client, headers: dict[str, str], event: str) -> list[str]:
    notices = ok(client.get("/notification/api/v1/notices?limit=200", headers=headers))["items"]
    return [n["title"] for n in notices if n["event_type"].endswith(f"{event}.v1")]


def test_a_reports_the_chief_approves_and_b_is_told_to_cover(client: Client) -> None:
    window, seat, a, b = staffing.staffed_post(client)
    chief = appoint_chief(client)
    absence = report(client, a["id"], TUESDAY)
    assert absence["late"] is False and absence["status"] == "reported"
    assert absence["post_id"] == seat["id"]

    refused = decide(client, absence["id"], b["id"])
    assert refused.status_code == 422 and refused.json["rule"] == "EQ-3.2.5"
    assert "chief_staff_id" in refused.json["errors"]
    approved = ok(decide(client, absence["id"], chief["id"]))
    assert approved["status"] == "approved" and approved["cover_staff_id"] == b["id"]
    assert decide(client, absence["id"], chief["id"], "rejection").status_code == 409

    [on_tuesday] = [p for p in cover(client, window["id"], TUESDAY) if p["post_id"] == seat["id"]]
    assert on_tuesday["present"] == b["id"] and on_tuesday["covering"] is True
    [on_monday] = [p for p in cover(client, window["id"], MONDAY) if p["post_id"] == seat["id"]]
    assert on_monday["present"] == a["id"] and on_monday["covering"] is False

    titles = wait_for(lambda: inbox(client, HEXI, "absence.approved"), timeout=5)
    assert "李娜 顶岗 张伟" in titles[0] and str(TUESDAY) in titles[0]
    assert inbox(client, bearer("unit", "tj-nankai"), "absence.approved") == []


def test_a_same_day_report_is_accepted_but_late(client: Client) -> None:
    _, _, a, _ = staffing.staffed_post(client)
    assert report(client, a["id"], MONDAY)["late"] is True
    again = client.post(
        "/staffing/api/v1/absences",
        json={
            "staff_id": a["id"],
            "starts_on": "2026-11-23",
            "ends_on": "2026-11-23",
            "reason": "x",
        },
        headers=HEXI,
    )
    assert again.status_code == 409 and again.json["rule"] == "EQ-3.2.5"  # reported already
    assert "starts_on" in again.json["errors"]


def test_the_deputy_may_decide_and_a_rejection_names_no_cover(client: Client) -> None:
    _, _, a, _b = staffing.staffed_post(client)
    chief, deputy = (staffing.person(client, "tj-hexi", n) for n in ("王局", "赵副"))
    body = {"staff_id": chief["id"], "deputy_staff_id": deputy["id"]}
    ok(client.put("/staffing/api/v1/chief-representatives/tj-hexi", json=body, headers=HEXI), 201)
    rejected = ok(decide(client, report(client, a["id"], TUESDAY)["id"], deputy["id"], "rejection"))
    assert rejected["status"] == "rejected" and rejected["cover_staff_id"] is None
    listed = ok(client.get("/staffing/api/v1/absences?status=rejected", headers=HEXI))["items"]
    assert [x["id"] for x in listed] == [rejected["id"]]
    nankai = client.get(
        f"/staffing/api/v1/absences/{rejected['id']}", headers=bearer("unit", "tj-nankai")
    )
    assert nankai.status_code == 404


def test_no_chief_representative_means_nobody_may_approve(client: Client) -> None:
    _, _, a, b = staffing.staffed_post(client)
    refused = decide(client, report(client, a["id"], TUESDAY)["id"], b["id"])
    assert refused.status_code == 422 and refused.json["rule"] == "EQ-3.2.5"


def test_a_and_b_away_together_leave_the_post_uncovered(client: Client, hall: Hall) -> None:
    window, seat, a, b = staffing.staffed_post(client)
    chief = appoint_chief(client)
    b_away = report(client, b["id"], MONDAY, TUESDAY)
    a_away = report(client, a["id"], TUESDAY, TUESDAY + timedelta(days=1))
    ok(decide(client, b_away["id"], chief["id"]))
    assert ok(decide(client, a_away["id"], chief["id"]))["cover_staff_id"] == b["id"]

    [on_tuesday] = [p for p in cover(client, window["id"], TUESDAY) if p["post_id"] == seat["id"]]
    assert on_tuesday["uncovered"] is True and on_tuesday["present"] is None
    titles = wait_for(lambda: inbox(client, CENTER, "post.uncovered"), timeout=5)
    assert len(titles) == 1 and str(TUESDAY) in titles[0] and "张伟" in titles[0]
    assert inbox(client, HEXI, "post.uncovered") == titles


def staffing_knows_published(db: Database, window_id: int) -> bool:
    """The sweep looks at published windows; staffing learns of a window before that."""
    query = select(tables.windows.c.state).where(tables.windows.c.id == window_id)
    with db.engine.connect() as conn:
        return conn.execute(query).scalar() == "active"


def test_the_daily_sweep_raises_today_s_uncovered_posts_once(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, _, a, b = staffing.staffed_post(client)
    runtime = hall.runtime("staffing")
    wait_for(lambda: staffing_knows_published(runtime.db, window["id"]), timeout=5)
    chief = appoint_chief(client)
    for member in (a, b):
        ok(decide(client, report(client, member["id"], TUESDAY)["id"], chief["id"]))
    wait_for(lambda: inbox(client, CENTER, "post.uncovered"), timeout=5)  # at approval
    assert absences.cover_sweep(runtime) == 0  # nobody is away on Monday
    monkeypatch.setattr(clock, "today", lambda: TUESDAY)
    assert absences.cover_sweep(runtime) == 0  # approval raised Tuesday already
    with runtime.db.engine.begin() as conn:
        conn.execute(update(tables.absences).values(alerted_on=MONDAY))
    assert absences.cover_sweep(runtime) == 1
    assert absences.cover_sweep(runtime) == 0
    wait_for(lambda: len(inbox(client, CENTER, "post.uncovered")) == 2, timeout=5)
    with runtime.db.engine.connect() as conn:
        alerted = conn.execute(select(tables.absences.c.alerted_on)).scalars().all()
    assert set(alerted) == {TUESDAY}


def test_only_a_posted_member_of_the_unit_reports(client: Client) -> None:
    loose = staffing.person(client, "tj-hexi", "赵磊")
    body = {"staff_id": loose["id"], "starts_on": "2026-11-24", "ends_on": "2026-11-24"}
    unposted = client.post("/staffing/api/v1/absences", json={**body, "reason": "x"}, headers=HEXI)
    assert unposted.status_code == 422 and "staff_id" in unposted.json["errors"]
    assert unposted.json["rule"] == "EQ-3.2.5"
    other = client.post(
        "/staffing/api/v1/absences",
        json={**body, "reason": "x"},
        headers=bearer("unit", "tj-nankai"),
    )
    assert other.status_code == 404
    assert client.post("/staffing/api/v1/absences", json=body, headers=CENTER).status_code == 403


def test_a_friday_call_entered_on_monday_is_not_late(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EQ-3.2.5 counts the notice from when A told the chief: Friday's call for Monday, entered
    on Monday morning, gave a working day's notice. The report's time is never ahead, and at
    most a week back."""
    from datetime import datetime

    monday_morning = datetime(2026, 11, 23, 9, 0, tzinfo=clock.HALL_TIMEZONE)
    monkeypatch.setattr(clock, "now", lambda: monday_morning)
    _, _, a, b = staffing.staffed_post(client)
    body = {"starts_on": str(MONDAY), "ends_on": str(MONDAY), "reason": "复诊 check-up"}
    friday = datetime(2026, 11, 20, 16, 30, tzinfo=clock.HALL_TIMEZONE)
    url = "/staffing/api/v1/absences"
    on_time = {**body, "staff_id": a["id"], "reported_at": friday.isoformat()}
    absence = ok(client.post(url, json=on_time, headers=HEXI), 201)
    assert absence["late"] is False and absence["reported_on"] == "2026-11-20"
    assert report(client, b["id"], MONDAY)["late"] is True  # told this morning: late
    for when in (monday_morning + timedelta(hours=1), monday_morning - timedelta(days=8)):
        bad = {**body, "staff_id": a["id"], "starts_on": str(TUESDAY), "ends_on": str(TUESDAY)}
        refused = client.post(url, json={**bad, "reported_at": when.isoformat()}, headers=HEXI)
        assert refused.status_code == 422 and list(refused.json["errors"]) == ["reported_at"]
