"""Proportional sampling, random spot checks and verifiable draws through the API (TJ-7.4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.inspection.domain.draws import Draw, Kind
from shared import clock
from tests import builders
from tests.builders import ok
from tests.support import bearer, wait_for

API = "/inspection/api/v1"
AUTHORITY = bearer("authority")
INSPECTOR = bearer("inspector")
CENTER = bearer("center")
HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
TODAY = clock.today()
DRAW_DAY = TODAY + timedelta(days=1)
CHECKLIST = ["受理材料齐全 · materials complete", "按时办结 · completed in time"]
SEED_SOURCE = "福利彩票3D 第2026330期开奖号码"
PLAN = {
    "title": "2026年第四季度外国人工作许可比例抽检",
    "period_from": (TODAY - timedelta(days=30)).isoformat(),
    "period_to": TODAY.isoformat(),
    "rate": 0.1,
    "minimum_per_window": 1,
    "checklist": CHECKLIST,
    "seed_source": SEED_SOURCE,
    "draw_on": DRAW_DAY.isoformat(),
}
SPOT = {
    "title": "窗口随机抽查 · unannounced window check",
    "days": [(DRAW_DAY + timedelta(days=1)).isoformat()],
    "windows": 1,
    "inspectors_per_window": 2,
    "checklist": ["在岗在位 · staff at post", "公示内容 · standards displayed"],
    "seed_source": SEED_SOURCE,
    "draw_on": DRAW_DAY.isoformat(),
}
CASE = {"matter_code": "work-permit-long", "applicant": "李娜", "staff_id": "s-zhang"}


# ---- helpers ----------------------------------------------------------------------------------


def _copy(hall: Hall, table: str, key: str, value: Any) -> Any:
    db = hall.runtime("inspection").db
    with db.session() as session:
        t = db.table(table)
        return session.execute(select(t).where(t.c[key] == value)).first()


def window(client: Client, hall: Hall, unit: str) -> dict[str, Any]:
    """A published window, once inspection holds it as open to the public."""
    made = builders.published_window(client, unit, ["work-permit-long"])
    wait_for(lambda: (w := _copy(hall, "windows", "id", made["id"])) and w.state == "active", 5)
    return made


def completed_cases(client: Client, hall: Hall, window: dict[str, Any], n: int) -> list[Any]:
    """n cases accepted and refused today at the window (a refusal completes a case)."""
    unit = bearer("unit", window["unit_code"])
    made = []
    for _ in range(n):
        body = {**CASE, "window_id": window["id"]}
        case = ok(client.post("/registry/api/v1/cases", json=body, headers=unit), 201)
        refusal = {"reason": "材料不实 · false materials", "staff_id": "s-li"}
        ok(client.post(f"/registry/api/v1/cases/{case['id']}/refusal", json=refusal, headers=unit))
        made.append(case)
    ids = [case["id"] for case in made]
    wait_for(lambda: all(_completed(hall, case_id) for case_id in ids), 5)
    return made


def _completed(hall: Hall, case_id: int) -> bool:
    copy = _copy(hall, "cases", "case_id", case_id)
    return copy is not None and copy.completed_on is not None


def open_case(client: Client, window: dict[str, Any]) -> dict[str, Any]:
    body = {**CASE, "window_id": window["id"]}
    headers = bearer("unit", window["unit_code"])
    return ok(client.post("/registry/api/v1/cases", json=body, headers=headers), 201)


def sampling_plan(client: Client, **changes: Any) -> dict[str, Any]:
    body = {**PLAN, **changes}
    return ok(client.post(f"{API}/sampling-plans", json=body, headers=INSPECTOR), 201)


def spot_check(client: Client, **changes: Any) -> dict[str, Any]:
    body = {**SPOT, **changes}
    return ok(client.post(f"{API}/spot-checks", json=body, headers=AUTHORITY), 201)


def inspector(
    client: Client, name: str, home_unit: str | None = None, conflicts: list[str] | None = None
) -> dict[str, Any]:
    body = {"name": name, "home_unit": home_unit, "conflicts": conflicts or []}
    return ok(client.post(f"{API}/inspectors", json=body, headers=AUTHORITY), 201)


def units_known(hall: Hall, *codes: str) -> None:
    wait_for(lambda: all(_copy(hall, "units", "code", code) for code in codes), 5)


def draw(
    client: Client,
    path: str,
    seed_value: str = "3 8 1",
    reason: str = "",
    status: int = 201,
    headers: dict[str, str] = INSPECTOR,
) -> Any:
    body = {"seed_value": seed_value, "reason": reason}
    return ok(client.post(f"{API}/{path}/draw", json=body, headers=headers), status)


@pytest.fixture
def draw_day(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Moves the hall's clock to the plans' draw day (plans are made today, drawn tomorrow)."""
    return lambda: monkeypatch.setattr(clock, "today", lambda: DRAW_DAY)


def events(hall: Hall, event_type: str) -> list[dict[str, Any]]:
    db = hall.runtime("inspection").db
    outbox = db.table("outbox")
    with db.session() as session:
        bodies = session.scalars(select(outbox.c.body).where(outbox.c.type == event_type)).all()
    return [json.loads(body)["data"] for body in bodies]


def by_window(cases: list[dict[str, Any]]) -> dict[int, list[int]]:
    picked: dict[int, list[int]] = {}
    for case in cases:
        picked.setdefault(case["window_id"], []).append(case["case_id"])
    return picked


# ---- proportional sampling ----------------------------------------------------------------


def test_sampling_draws_the_rate_of_each_windows_completed_cases_at_least_the_minimum(
    client: Client, hall: Hall, draw_day: Callable[[], None]
) -> None:
    hexi, nankai = window(client, hall, "tj-hexi"), window(client, hall, "tj-nankai")
    hexi_cases = completed_cases(client, hall, hexi, 12)
    nankai_cases = completed_cases(client, hall, nankai, 3)
    still_open = open_case(client, hexi)
    plan = sampling_plan(client, rate=0.25, minimum_per_window=2)
    assert plan["rate"] == "0.25" and plan["current_draw_id"] is None
    draw_day()
    made = draw(client, f"sampling-plans/{plan['id']}")
    picked = by_window(made["cases"])
    # ⌈25% × 12⌉ = 3 at Hexi; ⌈25% × 3⌉ = 1 is raised to the minimum, 2, at Nankai (TJ-7.4).
    assert {w: len(ids) for w, ids in picked.items()} == {hexi["id"]: 3, nankai["id"]: 2}
    assert set(picked[hexi["id"]]) <= {c["id"] for c in hexi_cases}
    assert set(picked[nankai["id"]]) <= {c["id"] for c in nankai_cases}
    receipts = {c["id"]: c["receipt_number"] for c in hexi_cases + nankai_cases}
    assert all(c["receipt_number"] == receipts[c["case_id"]] for c in made["cases"])
    assert (made["population_size"], made["selection_size"]) == (15, 5)
    population = [c for w in made["population"]["windows"] for c in w["case_ids"]]
    assert sorted(population) == sorted(c["id"] for c in hexi_cases + nankai_cases)
    assert still_open["id"] not in population
    assert made["checklist"] == CHECKLIST and made["round"] == 1
    shown = ok(client.get(f"{API}/sampling-plans/{plan['id']}", headers=CENTER))
    assert shown["current_draw_id"] == made["id"]
    [event] = events(hall, "govhall.inspection.draw.made.v1")
    assert event["sampled_units"] == ["tj-hexi", "tj-nankai"]
    assert event["population_digest"] == made["population_digest"]
    assert not any(r in json.dumps(event) for r in receipts.values())


def late_case(publish: Callable[[str, str], None], hall: Hall, window: dict[str, Any]) -> None:
    """Registry's event of a case refused in the period, reaching inspection after the draw."""
    event_type = "govhall.registry.case.refused.v1"
    data = {
        "case_id": 990001,
        "receipt_number": "20260101990001",
        "window_id": window["id"],
        "unit_code": window["unit_code"],
        "matter_code": "work-permit-long",
        "stage": "refused",
        "accepted_on": (TODAY - timedelta(days=3)).isoformat(),
        "due_on": TODAY.isoformat(),
        "paused": False,
        "on": (TODAY - timedelta(days=1)).isoformat(),
    }
    publish(event_type, builders.stub_event(event_type, data))
    wait_for(lambda: _copy(hall, "cases", "case_id", 990001), 5)


def test_a_draw_re_runs_to_the_same_selection_and_a_changed_record_does_not(
    client: Client, hall: Hall, draw_day: Callable[[], None], publish: Callable[[str, str], None]
) -> None:
    hexi = window(client, hall, "tj-hexi")
    completed_cases(client, hall, hexi, 6)
    plan = sampling_plan(client, rate=0.5)
    draw_day()
    made = draw(client, f"sampling-plans/{plan['id']}")
    verify = ok(client.get(f"{API}/draws/{made['id']}/verify", headers=CENTER))
    assert verify["verified"] is True and verify["population_matches_now"] is True
    assert verify["selection"] == made["selection"]
    assert verify["seed"] == made["seed"] and verify["draw_digest"] == made["draw_digest"]
    # A case of the period completed after the draw: the draw still verifies, but says so.
    late_case(publish, hall, hexi)
    later = ok(client.get(f"{API}/draws/{made['id']}/verify", headers=INSPECTOR))
    assert later["verified"] is True and later["population_matches_now"] is False
    # Someone edits the recorded population: the draw no longer verifies.
    db = hall.runtime("inspection").db
    population = made["population"]
    population["windows"][0]["case_ids"].append(999999)
    with db.session() as session:
        draws = db.table("draws")
        session.execute(update(draws).where(draws.c.id == made["id"]).values(population=population))
        session.commit()
    tampered = ok(client.get(f"{API}/draws/{made['id']}/verify", headers=INSPECTOR))
    assert tampered["verified"] is False and tampered["checks"]["population"] is False


def test_the_seed_is_committed_before_its_value_and_the_draw_waits_for_its_day(
    client: Client, hall: Hall, draw_day: Callable[[], None]
) -> None:
    hexi = window(client, hall, "tj-hexi")
    completed_cases(client, hall, hexi, 2)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    early = client.post(
        f"{API}/sampling-plans",
        json={**PLAN, "period_to": (TODAY - timedelta(days=2)).isoformat(), "draw_on": yesterday},
        headers=INSPECTOR,
    )
    refused = ok(early, 422)
    assert refused["rule"] == "TJ-7.4" and "draw_on" in refused["errors"]
    plan = sampling_plan(client)
    too_soon = draw(client, f"sampling-plans/{plan['id']}", status=422)
    assert too_soon["rule"] == "TJ-7.4" and "seed_value" in too_soon["errors"]
    assert ok(client.get(f"{API}/draws", headers=AUTHORITY))["items"] == []
    assert events(hall, "govhall.inspection.draw.made.v1") == []
    draw_day()
    blank = draw(client, f"sampling-plans/{plan['id']}", seed_value="  ", status=422)
    assert blank["rule"] == "TJ-7.4" and list(blank["errors"]) == ["seed_value"]
    made = draw(client, f"sampling-plans/{plan['id']}", seed_value=" 3 8 1 ")
    assert made["seed_value"] == "3 8 1" and made["seed_source"] == SEED_SOURCE
    assert len(events(hall, "govhall.inspection.sampling_plan.created.v1")) == 1


def test_a_plan_is_never_drawn_again_silently(
    client: Client, hall: Hall, draw_day: Callable[[], None]
) -> None:
    hexi = window(client, hall, "tj-hexi")
    completed_cases(client, hall, hexi, 8)
    plan = sampling_plan(client, rate=0.25)
    draw_day()
    first = draw(client, f"sampling-plans/{plan['id']}")
    again = draw(client, f"sampling-plans/{plan['id']}", seed_value="9 9 9", status=409)
    assert again["rule"] == "TJ-7.4" and "reason" in again["errors"]
    assert [d["id"] for d in ok(client.get(f"{API}/draws", headers=AUTHORITY))["items"]] == [
        first["id"]
    ]
    reason = "开奖号码录入错误 · the lottery number was typed wrong"
    second = draw(client, f"sampling-plans/{plan['id']}", seed_value="9 9 9", reason=reason)
    assert second["round"] == 2 and second["reason"] == reason
    kept = ok(client.get(f"{API}/draws/{first['id']}", headers=AUTHORITY))
    assert kept["superseded_by"] == second["id"] and kept["selection"] == first["selection"]
    listed = ok(client.get(f"{API}/draws?plan_id={plan['id']}", headers=AUTHORITY))["items"]
    assert [d["id"] for d in listed] == [second["id"], first["id"]]
    shown = ok(client.get(f"{API}/sampling-plans/{plan['id']}", headers=INSPECTOR))
    assert shown["current_draw_id"] == second["id"]
    made = events(hall, "govhall.inspection.draw.made.v1")
    assert [(e["round"], e["supersedes"], e["reason"]) for e in made] == [
        (1, None, ""),
        (2, first["id"], reason),
    ]
    # Both draws still verify: the superseded one is kept as it was drawn.
    for d in (first, second):
        assert ok(client.get(f"{API}/draws/{d['id']}/verify", headers=AUTHORITY))["verified"]


def test_a_unit_sees_its_own_sampled_cases_after_the_draw_and_nothing_else(
    client: Client, hall: Hall, draw_day: Callable[[], None]
) -> None:
    hexi, nankai = window(client, hall, "tj-hexi"), window(client, hall, "tj-nankai")
    completed_cases(client, hall, hexi, 3)
    completed_cases(client, hall, nankai, 3)
    plan = sampling_plan(client, rate=1)
    assert client.get(f"{API}/sampling-plans/{plan['id']}", headers=HEXI).status_code == 403
    draw_day()
    made = draw(client, f"sampling-plans/{plan['id']}")
    mine = ok(client.get(f"{API}/draws/{made['id']}", headers=HEXI))
    assert {c["unit_code"] for c in mine["cases"]} == {"tj-hexi"} and len(mine["cases"]) == 3
    assert "population" not in mine and "selection" not in mine
    verified = ok(client.get(f"{API}/draws/{made['id']}/verify", headers=HEXI))
    assert verified["verified"] is True
    assert [w["window_id"] for w in verified["selection"]] == [hexi["id"]]
    listed = ok(client.get(f"{API}/draws", headers=NANKAI))["items"]
    assert [d["id"] for d in listed] == [made["id"]]
    other = bearer("unit", "tj-heping")
    assert client.get(f"{API}/draws/{made['id']}", headers=other).status_code == 404
    assert ok(client.get(f"{API}/draws", headers=other))["items"] == []
    # Verification is public: a unit none of whose cases were drawn gets what anyone gets.
    theirs = ok(client.get(f"{API}/draws/{made['id']}/verify", headers=other))
    assert theirs["verified"] is True and theirs["selection"] == [] and theirs["record"] is None


def test_anyone_verifies_a_sampling_draw_and_sees_no_case_of_it(
    client: Client, hall: Hall, draw_day: Callable[[], None]
) -> None:
    hexi = window(client, hall, "tj-hexi")
    completed_cases(client, hall, hexi, 4)
    plan = sampling_plan(client, rate=0.5)
    draw_day()
    made = draw(client, f"sampling-plans/{plan['id']}")
    public = ok(client.get(f"{API}/draws/{made['id']}/verify"))  # no token
    assert public["verified"] is True and all(public["checks"].values())
    assert (public["seed_source"], public["seed_value"]) == (SEED_SOURCE, "3 8 1")
    assert (public["seed"], public["draw_digest"]) == (made["seed"], made["draw_digest"])
    assert public["selection"] is None and public["record"] is None
    assert public["population_commitment"] is None  # sampling: the period closed before the draw
    overseer = ok(client.get(f"{API}/draws/{made['id']}/verify", headers=CENTER))
    assert overseer["record"]["population"] == made["population"]
    assert overseer["record"]["selection"] == overseer["selection"] == made["selection"]
    assert client.get(f"{API}/draws/999/verify").status_code == 404


def test_a_worksheet_lists_the_drawn_cases(
    client: Client, hall: Hall, draw_day: Callable[[], None]
) -> None:
    hexi = window(client, hall, "tj-hexi")
    cases = completed_cases(client, hall, hexi, 2)
    plan = sampling_plan(client, rate=1)
    draw_day()
    made = draw(client, f"sampling-plans/{plan['id']}")
    sheet = client.get(f"{API}/draws/{made['id']}?format=csv", headers=INSPECTOR)
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    text = sheet.get_data(as_text=True)
    assert text.startswith("\ufeffcase_id,receipt_number,window_id")
    assert all(c["receipt_number"] in text for c in cases)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rate": 0}, "rate"),
        ({"rate": 1.5}, "rate"),
        ({"rate": 0.00001}, "rate"),
        ({"minimum_per_window": 0}, "minimum_per_window"),
        ({"checklist": []}, "checklist"),
        ({"checklist": ["  "]}, "checklist"),
        ({"seed_source": " "}, "seed_source"),
        ({"title": ""}, "title"),
        ({"period_from": (TODAY + timedelta(days=1)).isoformat()}, "period_to"),
        ({"draw_on": TODAY.isoformat()}, "draw_on"),
    ],
)
def test_a_plan_that_cannot_be_drawn_fairly_is_refused_naming_the_field(
    client: Client, change: dict[str, Any], field: str
) -> None:
    refused = ok(
        client.post(f"{API}/sampling-plans", json={**PLAN, **change}, headers=INSPECTOR), 422
    )
    assert field in refused["errors"] and refused["rule"] == "TJ-7.4"
    assert ok(client.get(f"{API}/sampling-plans", headers=AUTHORITY))["items"] == []


# ---- random spot checks -------------------------------------------------------------------


def test_each_drawn_window_gets_two_inspectors_from_outside_its_units(
    client: Client, hall: Hall, draw_day: Callable[[], None]
) -> None:
    hexi = [window(client, hall, "tj-hexi") for _ in range(2)]
    nankai = window(client, hall, "tj-nankai")
    units_known(hall, "tj-hexi", "tj-nankai")
    pool = [
        inspector(client, "河西 王", home_unit="tj-hexi"),
        inspector(client, "南开 李", home_unit="tj-nankai"),
        inspector(client, "市科技局 张"),
        inspector(client, "市人社局 赵", conflicts=["tj-nankai"]),
        inspector(client, "市人社局 陈", conflicts=["tj-hexi"]),
    ]
    homes = {i["id"]: {i["home_unit"], *i["conflicts"]} - {None} for i in pool}
    check = spot_check(client, windows=3)
    draw_day()
    made = draw(client, f"spot-checks/{check['id']}", headers=AUTHORITY)
    drawn = {w["window_id"]: w for w in made["windows"]}
    assert set(drawn) == {w["id"] for w in [*hexi, nankai]}
    for w in made["windows"]:
        ids = [i["inspector_id"] for i in w["inspectors"]]
        assert len(ids) == 2 == len(set(ids))
        assert all(w["unit_code"] not in homes[i] for i in ids), w  # recusal (TJ-7.4)
    assert made["population_size"] == 3 and made["selection_size"] == 3
    verify = ok(client.get(f"{API}/draws/{made['id']}/verify", headers=INSPECTOR))
    assert verify["verified"] is True and verify["selection"] == made["selection"]


def test_a_spot_check_draws_only_windows_open_to_the_public(
    client: Client, hall: Hall, draw_day: Callable[[], None], publish: Callable[[str, str], None]
) -> None:
    hexi, nankai = window(client, hall, "tj-hexi"), window(client, hall, "tj-nankai")
    publish(*builders.sanction(nankai, "suspension"))  # registry suspends it (TJ-8.2)
    wait_for(lambda: _copy(hall, "windows", "id", nankai["id"]).state == "suspended", 5)
    for name in ("张", "王"):
        inspector(client, name)
    check = spot_check(client, windows=2)
    draw_day()
    made = draw(client, f"spot-checks/{check['id']}")
    assert [w["window_id"] for w in made["population"]["windows"]] == [hexi["id"]]
    assert [w["window_id"] for w in made["windows"]] == [hexi["id"]]


def test_a_declared_conflict_or_a_deactivation_keeps_an_inspector_out_of_later_draws(
    client: Client, hall: Hall, draw_day: Callable[[], None]
) -> None:
    window(client, hall, "tj-hexi")
    units_known(hall, "tj-hexi")
    a, b, c = (inspector(client, name) for name in ("张", "王", "李"))
    change = {"conflicts": ["tj-hexi"]}
    declared = ok(client.patch(f"{API}/inspectors/{a['id']}", json=change, headers=AUTHORITY))
    assert declared["conflicts"] == ["tj-hexi"]
    ok(client.patch(f"{API}/inspectors/{b['id']}", json={"active": False}, headers=AUTHORITY))
    check = spot_check(client, inspectors_per_window=2)
    draw_day()
    # Only 李 is left for Hexi's window: the draw is refused and nothing is recorded (TJ-7.4).
    refused = draw(client, f"spot-checks/{check['id']}", status=422)
    assert refused["rule"] == "TJ-7.4" and "inspectors" in refused["errors"]
    assert ok(client.get(f"{API}/draws", headers=AUTHORITY))["items"] == []
    assert events(hall, "govhall.inspection.draw.made.v1") == []
    ok(client.patch(f"{API}/inspectors/{b['id']}", json={"active": True}, headers=AUTHORITY))
    # The pool changed since the check was planned: it is planned again, with a new seed.
    moved = draw(client, f"spot-checks/{check['id']}", status=422)
    assert moved["rule"] == "TJ-7.4" and "population" in moved["errors"]
    check = spot_check(client, seed_source="福利彩票3D 第2026331期开奖号码")
    made = draw(client, f"spot-checks/{check['id']}")
    [only] = made["windows"]
    assert sorted(i["inspector_id"] for i in only["inspectors"]) == [b["id"], c["id"]]
    ok(client.patch(f"{API}/inspectors/{a['id']}", json=change, headers=AUTHORITY))  # no change
    changed = events(hall, "govhall.inspection.inspector.changed.v1")
    assert [e["active"] for e in changed] == [True, False, True]


def test_a_spot_check_is_drawn_from_the_population_it_committed_before_its_seed(
    client: Client, hall: Hall, draw_day: Callable[[], None]
) -> None:
    """Between the seed's value being published and the draw, nobody steers the draw by
    changing the pool: the draw is made from the population committed when the check was
    planned, or refused (TJ-7.4)."""
    window(client, hall, "tj-hexi")
    units_known(hall, "tj-hexi")
    a, b, c = (inspector(client, name) for name in ("张", "王", "李"))
    check = spot_check(client)
    committed = check["population_digest"]
    assert committed and check["population_at"] and "inspectors" in check["population_covers"]
    [planned] = events(hall, "govhall.inspection.spot_check.planned.v1")
    assert planned["population_digest"] == committed
    draw_day()
    url = f"{API}/inspectors"
    for change, who in (({"active": False}, a), ({"conflicts": ["tj-hexi"]}, b)):
        ok(client.patch(f"{url}/{who['id']}", json=change, headers=AUTHORITY))
        refused = draw(client, f"spot-checks/{check['id']}", status=422)
        assert refused["rule"] == "TJ-7.4" and list(refused["errors"]) == ["population"]
        assert f"inspector {who['id']}" in refused["detail"]
    assert ok(client.get(f"{API}/draws", headers=AUTHORITY))["items"] == []
    assert events(hall, "govhall.inspection.draw.made.v1") == []
    ok(client.patch(f"{url}/{a['id']}", json={"active": True}, headers=AUTHORITY))
    ok(client.patch(f"{url}/{b['id']}", json={"conflicts": []}, headers=AUTHORITY))
    made = draw(client, f"spot-checks/{check['id']}")  # the pool as committed: drawn
    assert made["population_digest"] == committed
    assert made["population_commitment"]["digest"] == committed
    verified = ok(client.get(f"{API}/draws/{made['id']}/verify", headers=INSPECTOR))
    assert verified["verified"] is True and verified["population_commitment"]["matches"] is True
    assert {i["inspector_id"] for w in made["windows"] for i in w["inspectors"]} <= {
        a["id"],
        b["id"],
        c["id"],
    }


def test_a_spot_checks_draw_is_public_once_its_last_day_has_passed(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unannounced until done: then anyone re-runs it from its record (TJ-7.4)."""
    window(client, hall, "tj-hexi")
    for name in ("张", "王"):
        inspector(client, name)
    check = spot_check(client)
    monkeypatch.setattr(clock, "today", lambda: DRAW_DAY)
    made = draw(client, f"spot-checks/{check['id']}")
    url = f"{API}/draws/{made['id']}/verify"
    last_day = DRAW_DAY + timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: last_day)
    for who in ({}, HEXI, CENTER, bearer("integrator")):
        assert client.get(url, headers=who).status_code == 404
    monkeypatch.setattr(clock, "today", lambda: last_day + timedelta(days=1))
    public = ok(client.get(url))
    assert public["verified"] is True and public["selection"] == made["selection"]
    record = public["record"]
    rerun = Draw(
        Kind(record["kind"]),
        record["plan_id"],
        record["seed_source"],
        record["seed_value"],
        record["parameters"],
        record["population"],
    )
    assert rerun.select() == record["selection"] == made["selection"]
    assert public["population_commitment"]["matches"] is True
    assert rerun.population_digest == public["population_commitment"]["digest"]
    # The draw itself stays with the inspectors: verification is what is public.
    assert client.get(f"{API}/draws/{made['id']}", headers=HEXI).status_code == 404


def test_a_spot_check_needs_at_least_two_inspectors(client: Client) -> None:
    body = {**SPOT, "inspectors_per_window": 1}
    refused = ok(client.post(f"{API}/spot-checks", json=body, headers=AUTHORITY), 422)
    assert refused["rule"] == "TJ-7.4" and "inspectors_per_window" in refused["errors"]
    assert ok(client.get(f"{API}/spot-checks", headers=AUTHORITY))["items"] == []


def test_inspectors_name_units_inspection_knows_and_are_listed_by_page(
    client: Client, hall: Hall
) -> None:
    units_known(hall, "tj-hexi")
    body = {"name": "王", "home_unit": "tj-nowhere"}
    refused = client.post(f"{API}/inspectors", json=body, headers=AUTHORITY)
    assert "home_unit" in ok(refused, 422)["errors"]
    conflicted: dict[str, Any] = {"name": "王", "conflicts": ["tj-hexi", "tj-nowhere"]}
    refused = client.post(f"{API}/inspectors", json=conflicted, headers=AUTHORITY)
    assert "conflicts" in ok(refused, 422)["errors"]
    assert client.post(f"{API}/inspectors", json=conflicted, headers=INSPECTOR).status_code == 403
    for name in ("张", "王", "李"):
        inspector(client, name, conflicts=["tj-hexi"])
    first = ok(client.get(f"{API}/inspectors?limit=2", headers=INSPECTOR))
    rest = ok(client.get(f"{API}/inspectors?cursor={first['next_cursor']}", headers=INSPECTOR))
    assert [i["name"] for i in first["items"] + rest["items"]] == ["张", "王", "李"]
    assert rest["next_cursor"] is None


def test_units_and_the_center_see_nothing_of_an_unannounced_spot_check(
    client: Client, hall: Hall, draw_day: Callable[[], None]
) -> None:
    window(client, hall, "tj-hexi")
    for name in ("张", "王"):
        inspector(client, name)
    check = spot_check(client)
    draw_day()
    made = draw(client, f"spot-checks/{check['id']}")
    for who in (HEXI, CENTER):
        assert client.get(f"{API}/spot-checks", headers=who).status_code == 403
        assert client.get(f"{API}/spot-checks/{check['id']}", headers=who).status_code == 403
        assert client.get(f"{API}/draws/{made['id']}", headers=who).status_code == 404
        assert client.get(f"{API}/draws/{made['id']}/verify", headers=who).status_code == 404
        assert ok(client.get(f"{API}/draws", headers=who))["items"] == []
    assert client.get(f"{API}/inspectors", headers=HEXI).status_code == 403
    # Nor does any event name the window before the inspectors arrive.
    [drawn] = events(hall, "govhall.inspection.draw.made.v1")
    [planned] = events(hall, "govhall.inspection.spot_check.planned.v1")
    assert drawn["sampled_units"] == [] and "days" not in planned
    assert not {"window_id", "selection", "population"} & set(drawn)
    assert "tj-hexi" not in json.dumps([drawn, planned])


# ---- findings of a draw ---------------------------------------------------------------------


def draw_finding(client: Client, window_id: int, **changes: Any) -> Any:
    body = {
        "window_id": window_id,
        "severity": "minor",
        "rule": "EQ-4.4b",
        "summary": "补正材料未一次告知 · missing materials not told at once",
        "rectification": "一次性告知 · tell them all at once",
        **changes,
    }
    return client.post(f"{API}/findings", json=body, headers=INSPECTOR)


def test_a_finding_of_a_draw_is_about_what_the_draw_picked(
    client: Client, hall: Hall, draw_day: Callable[[], None]
) -> None:
    hexi, nankai = window(client, hall, "tj-hexi"), window(client, hall, "tj-nankai")
    hexi_cases = completed_cases(client, hall, hexi, 4)
    for name in ("张", "王"):
        inspector(client, name)
    plan = sampling_plan(client, rate=0.25)  # one case of Hexi's four
    check = spot_check(client, windows=1)
    draw_day()
    first = draw(client, f"sampling-plans/{plan['id']}")
    [picked] = [c["case_id"] for c in first["cases"]]
    [spared] = [c["id"] for c in hexi_cases if c["id"] != picked][:1]
    checked = draw(client, f"spot-checks/{check['id']}")
    [checked_window] = [w["window_id"] for w in checked["windows"]]
    unchecked = hexi["id"] if checked_window == nankai["id"] else nankai["id"]
    sampling = {"source": "draw", "source_id": first["id"]}
    for changes, field in [
        ({"window_id": nankai["id"], **sampling}, "window_id"),  # nothing of Nankai's drawn
        ({"case_id": spared, **sampling}, "case_id"),  # Hexi's, but not drawn
        ({"source": "draw", "source_id": checked["id"]}, "source_id"),  # no sampling draw
        ({"window_id": unchecked, "source": "spot_check", "source_id": checked["id"]}, "window_id"),
    ]:
        refused = ok(draw_finding(client, changes.pop("window_id", hexi["id"]), **changes), 422)
        assert field in refused["errors"], (changes, refused)
        assert refused["rule"] == "TJ-7.4", refused
    made = ok(draw_finding(client, hexi["id"], case_id=picked, **sampling), 201)
    assert (made["source"], made["source_id"], made["case_id"]) == ("draw", first["id"], picked)
    ok(draw_finding(client, checked_window, source="spot_check", source_id=checked["id"]), 201)
    # A redraw replaces the round: what is found now is recorded against the draw that stands.
    reason = "开奖号码录入错误 · the lottery number was typed wrong"
    second = draw(client, f"sampling-plans/{plan['id']}", seed_value="9 9 9", reason=reason)
    stale = ok(draw_finding(client, hexi["id"], **sampling), 422)
    assert stale["rule"] == "TJ-7.4" and "source_id" in stale["errors"]
    ok(draw_finding(client, hexi["id"], source="draw", source_id=second["id"]), 201)
    assert len(events(hall, "govhall.inspection.finding.recorded.v1")) == 3
