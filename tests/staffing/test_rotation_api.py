"""Rotation and swaps (EQ-3.2.3) and forced returns (EQ-3.2.4) through the API."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.staffing.handlers import returns, rotation
from shared import clock
from tests.builders import ok
from tests.staffing import builders as staffing
from tests.support import bearer, wait_for

HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
CENTER = bearer("center")
MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def monday(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: MONDAY)


def posted(client: Client, post_id: int, name: str, since: date, role: str = "A") -> Any:
    member = staffing.person(client, "tj-hexi", name)
    body = {"staff_id": member["id"], "role": role, "starts_on": since.isoformat()}
    url = f"/staffing/api/v1/posts/{post_id}/assignments"
    ok(client.post(url, json=body, headers=CENTER if since < MONDAY else HEXI), 201)
    return member


def apply(client: Client, status: int = 201, **body: Any) -> Any:
    response = client.post("/staffing/api/v1/rotations", json=body, headers=HEXI)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def holders(client: Client, window_id: int) -> dict[int, tuple[str | None, str | None]]:
    seats = ok(client.get(f"/staffing/api/v1/posts?window_id={window_id}", headers=CENTER))
    return {s["post_id"]: (s["a"], s["b"]) for s in seats}


def emitted(hall: Hall) -> Counter[str]:
    db = hall.runtime("staffing").db
    with db.engine.connect() as conn:
        types = conn.execute(select(db.table("outbox").c.type)).scalars().all()
    return Counter(".".join(t.split(".")[2:4]) for t in types)


def test_rotation_after_two_years_with_the_center_s_approval(client: Client, hall: Hall) -> None:
    window = staffing.window_known_to_staffing(client)
    old, new, third = (staffing.post(client, window["id"], n) for n in ("受理", "发证", "咨询"))
    veteran = posted(client, old["id"], "张伟", date(2024, 11, 23))
    novice = posted(client, third["id"], "李娜", date(2025, 11, 23))
    early = apply(
        client, 422, kind="rotation", staff_id=novice["id"], to_post_id=new["id"],
        effective_on="2026-11-23",
    )  # fmt: skip
    assert early["rule"] == "EQ-3.2.3" and "effective_on" in early["errors"]
    app = apply(
        client, kind="rotation", staff_id=veteran["id"], to_post_id=new["id"],
        effective_on="2026-11-23",
    )  # fmt: skip
    assert app["status"] == "applied"
    url = f"/staffing/api/v1/rotations/{app['id']}"
    assert client.post(f"{url}/approval", json={}, headers=HEXI).status_code == 403
    assert holders(client, window["id"])[old["id"]] == (veteran["id"], None)

    approved = ok(client.post(f"{url}/approval", json={"note": "ok"}, headers=CENTER))
    assert approved["status"] == "approved" and approved["decided_by"].startswith("center")
    seats = holders(client, window["id"])
    assert seats[old["id"]] == (None, None) and seats[new["id"]] == (veteran["id"], None)
    assert client.post(f"{url}/rejection", json={"note": "no"}, headers=CENTER).status_code == 409
    unposted = staffing.person(client, "tj-hexi", "赵磊")
    loose = apply(client, 422, kind="rotation", staff_id=unposted["id"], to_post_id=new["id"],
                  effective_on="2026-11-23")  # fmt: skip
    assert loose["rule"] == "EQ-3.2.3" and list(loose["errors"]) == ["staff_id"]
    counts = emitted(hall)
    assert (counts["assignment.made"], counts["assignment.ended"]) == (3, 1)
    assert (counts["rotation.applied"], counts["rotation.decided"]) == (1, 1)


def test_a_swap_is_applied_for_in_writing_a_month_ahead_and_made_on_its_date(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = staffing.window_known_to_staffing(client)
    first, second = (staffing.post(client, window["id"], n) for n in ("受理", "发证"))
    a = posted(client, first["id"], "张伟", date(2026, 6, 1))
    b = posted(client, second["id"], "李娜", date(2026, 6, 1), role="B")
    swap = {"kind": "swap", "staff_id": a["id"], "other_staff_id": b["id"]}
    soon = apply(client, 422, **swap, effective_on="2026-12-22", reason="closer to home")
    assert soon["rule"] == "EQ-3.2.3" and "effective_on" in soon["errors"]
    unwritten = apply(client, 422, **swap, effective_on="2026-12-23")
    assert unwritten["rule"] == "EQ-3.2.3" and "reason" in unwritten["errors"]
    app = apply(client, **swap, effective_on="2026-12-23", reason="closer to home")
    refused = client.post(
        f"/staffing/api/v1/rotations/{app['id']}/rejection", json={"note": ""}, headers=CENTER
    )
    assert refused.status_code == 422  # a refusal says why
    url = f"/staffing/api/v1/rotations/{app['id']}/approval"
    assert ok(client.post(url, json={}, headers=CENTER))["carried_out_on"] is None
    before = holders(client, window["id"])
    assert before[first["id"]] == (a["id"], None) and before[second["id"]] == (None, b["id"])
    runtime = hall.runtime("staffing")
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 22))
    assert rotation.carry_out_due(runtime) == 0  # the day before: nobody moves
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 23))
    assert rotation.carry_out_due(runtime) == 1
    assert rotation.carry_out_due(runtime) == 0
    seats = holders(client, window["id"])
    assert seats[first["id"]] == (b["id"], None) and seats[second["id"]] == (None, a["id"])
    listed = ok(client.get("/staffing/api/v1/rotations", headers=HEXI))
    assert [(r["id"], r["status"], r["carried_out_on"]) for r in listed] == [
        (app["id"], "approved", "2026-12-23")
    ]
    assert ok(client.get("/staffing/api/v1/rotations", headers=NANKAI)) == []


def test_staff_due_and_overdue_for_rotation(client: Client) -> None:
    window = staffing.window_known_to_staffing(client)
    seats = [staffing.post(client, window["id"], n) for n in ("受理", "发证", "咨询")]
    for seat, name, since in zip(
        seats,
        ("张伟", "李娜", "王芳"),
        (date(2023, 11, 23), date(2024, 11, 23), date(2025, 11, 23)),
        strict=True,
    ):
        posted(client, seat["id"], name, since)
    due = ok(client.get("/staffing/api/v1/rotations/due", headers=CENTER))
    assert [(d["name"], d["years_on_post"], d["status"]) for d in due] == [
        ("张伟", 3, "overdue"),
        ("李娜", 2, "due"),
    ]
    one_year = ok(client.get("/staffing/api/v1/rotations/due?years=1", headers=HEXI))
    assert [d["status"] for d in one_year] == ["overdue", "overdue", "due"]
    assert ok(client.get("/staffing/api/v1/rotations/due", headers=NANKAI)) == []
    assert (
        client.get("/staffing/api/v1/rotations/due", headers=bearer("inspector")).status_code == 403
    )


def force_return(client: Client, staff_id: str, **body: Any) -> Any:
    body = {"staff_id": staff_id, "reason": "群众投诉集中 repeated complaints", **body}
    return client.post("/staffing/api/v1/returns", json=body, headers=CENTER)


def test_the_center_returns_staff_and_the_unit_names_a_replacement(
    client: Client, hall: Hall
) -> None:
    window, seat, a, _b = staffing.staffed_post(client)
    assert client.post("/staffing/api/v1/returns", json={}, headers=HEXI).status_code == 403
    no_reason = force_return(client, a["id"], reason=" ")
    assert no_reason.status_code == 422 and no_reason.json["rule"] == "EQ-3.2.4"
    returned = ok(force_return(client, a["id"]), 201)
    calendar = hall.runtime("staffing").calendar
    assert returned["replacement_due_on"] == calendar.add_workdays(MONDAY, 10).isoformat()
    member = ok(client.get(f"/staffing/api/v1/staff/{a['id']}", headers=HEXI))
    assert member["status"] == "returned"
    assert holders(client, window["id"])[seat["id"]][0] is None
    twice = force_return(client, a["id"])
    assert twice.status_code == 409 and twice.json["rule"] == "EQ-3.2.4"

    url = f"/staffing/api/v1/returns/{returned['id']}/replacement"
    itself = client.post(url, json={"staff_id": a["id"]}, headers=HEXI)
    assert itself.status_code == 422 and itself.json["rule"] == "EQ-3.2.4"
    stranger = staffing.person(client, "tj-nankai", "外人")
    assert client.post(url, json={"staff_id": stranger["id"]}, headers=HEXI).status_code == 404
    assert client.post(url, json={"staff_id": stranger["id"]}, headers=NANKAI).status_code == 404
    c = staffing.person(client, "tj-hexi", "赵磊")
    named = ok(client.post(url, json={"staff_id": c["id"]}, headers=HEXI))
    assert named["replacement_staff_id"] == c["id"]
    again = client.post(url, json={"staff_id": c["id"]}, headers=HEXI)
    assert again.status_code == 409 and again.json["rule"] == "EQ-3.2.4"
    assert list(again.json["errors"]) == ["staff_id"]
    wait_for(lambda: _titles(client, HEXI, "staff.returned"), timeout=5)


def test_a_missed_deadline_is_escalated_once(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, a, b = staffing.staffed_post(client)
    monkeypatch.setenv("REPLACEMENT_DEADLINE_DAYS", "3")
    by_env = ok(force_return(client, a["id"]), 201)
    assert by_env["replacement_due_on"] == "2026-11-26"
    by_request = ok(force_return(client, b["id"], days=5), 201)
    assert by_request["replacement_due_on"] == "2026-11-30"
    runtime = hall.runtime("staffing")
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 26))
    assert returns.replacement_sweep(runtime) == 0  # the last day is still in time
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 27))
    assert returns.replacement_sweep(runtime) == 1
    assert returns.replacement_sweep(runtime) == 0
    listed = ok(client.get("/staffing/api/v1/returns", headers=HEXI))
    assert [r["escalated"] for r in listed] == [True, False]
    titles = wait_for(lambda: _titles(client, CENTER, "replacement.overdue"), timeout=5)
    assert "张伟" in titles[0] and _titles(client, HEXI, "replacement.overdue") == titles


def _titles(client: Client, headers: dict[str, str], event: str) -> list[str]:
    notices = ok(client.get("/notification/api/v1/notices?limit=200", headers=headers))["items"]
    return [n["title"] for n in notices if n["event_type"].endswith(f"{event}.v1")]


def test_a_unit_sees_only_its_own_returns(client: Client) -> None:
    _, _, a, _ = staffing.staffed_post(client)
    returned = ok(force_return(client, a["id"]), 201)
    assert (
        client.get(f"/staffing/api/v1/returns/{returned['id']}", headers=NANKAI).status_code == 404
    )
    assert ok(client.get("/staffing/api/v1/returns", headers=NANKAI)) == []
    assert timedelta(0) < date.fromisoformat(returned["replacement_due_on"]) - MONDAY


def test_an_approved_rotation_lapses_if_its_holder_is_returned_first(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = staffing.window_known_to_staffing(client)
    old, new = (staffing.post(client, window["id"], n) for n in ("受理", "发证"))
    veteran = posted(client, old["id"], "张伟", date(2024, 1, 5))
    app = apply(
        client, kind="rotation", staff_id=veteran["id"], to_post_id=new["id"],
        effective_on="2027-01-04",
    )  # fmt: skip
    url = f"/staffing/api/v1/rotations/{app['id']}/approval"
    ok(client.post(url, json={}, headers=CENTER))
    ok(force_return(client, veteran["id"]), 201)
    monkeypatch.setattr(clock, "today", lambda: date(2027, 1, 4))
    assert rotation.carry_out_due(hall.runtime("staffing")) == 0
    (lapsed,) = ok(client.get("/staffing/api/v1/rotations", headers=HEXI))
    assert lapsed["status"] == "lapsed" and "no longer holds a post" in lapsed["decision_note"]
    assert holders(client, window["id"])[new["id"]] == (None, None)


def test_a_rotation_into_a_held_seat_is_refused_naming_the_post(client: Client) -> None:
    window = staffing.window_known_to_staffing(client)
    old, new = (staffing.post(client, window["id"], n) for n in ("受理", "发证"))
    veteran = posted(client, old["id"], "张伟", date(2024, 1, 5))
    holder = posted(client, new["id"], "李娜", date(2026, 1, 5))
    app = apply(
        client, kind="rotation", staff_id=veteran["id"], to_post_id=new["id"],
        effective_on="2026-11-23",
    )  # fmt: skip
    url = f"/staffing/api/v1/rotations/{app['id']}/approval"
    refused = client.post(url, json={}, headers=CENTER)
    assert refused.status_code == 409 and refused.json["rule"] == "EQ-3.2.5"
    assert list(refused.json["errors"]) == ["to_post_id"]
    seats = holders(client, window["id"])
    assert seats[old["id"]] == (veteran["id"], None) and seats[new["id"]] == (holder["id"], None)
    as_b = apply(
        client, kind="rotation", staff_id=veteran["id"], to_post_id=new["id"], to_role="B",
        effective_on="2026-11-23",
    )  # fmt: skip
    ok(client.post(f"/staffing/api/v1/rotations/{as_b['id']}/approval", json={}, headers=CENTER))
    assert holders(client, window["id"])[new["id"]] == (holder["id"], veteran["id"])
    odd = apply(
        client, 422, kind="rotation", staff_id=holder["id"], to_post_id=old["id"], to_role="C",
        effective_on="2028-01-05",
    )  # fmt: skip
    assert odd["rule"] == "EQ-3.2.5" and list(odd["errors"]) == ["to_role"]
