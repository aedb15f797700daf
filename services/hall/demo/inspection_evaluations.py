"""Demo evaluations (TJ-7.5, docs/demo.md): the public rates a handful of cases through inspection's
API with their receipt numbers and query codes, mostly well; one bad review is under
rectification with its callback recorded, another is appealed by its unit and awaits the
center; one unit rates its own window for the month; and last month's reviews are ranked."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared import clock

if TYPE_CHECKING:
    from services.hall.demo.client import DemoClient

EVALUATIONS = "/inspection/api/v1/evaluations"
# The public's levels for the cases rated, in order; the two bad reviews are placed by hand.
GOOD = ["very_satisfied", "satisfied", "very_satisfied", "basically_satisfied", "satisfied"]
TEXTS = {
    "very_satisfied": "一次办结，解释清楚 · done in one visit, clearly explained",
    "satisfied": "办理顺利 · went smoothly",
    "basically_satisfied": "排队稍久 · a long queue",
    "dissatisfied": "材料要求前后不一 · told different things about the materials",
    "very_dissatisfied": "让我跑了三趟 · three trips for one permit",
}


def load(client: DemoClient, cases: list[dict[str, Any]], rated: int = 12) -> None:
    """`cases` are registry's answers to accepting a case (`id`, `receipt_number`,
    `query_code`, `window_id`, `unit_code`, `applicant`), as the public got them."""
    chosen = _spread(cases, rated)
    if len(chosen) < 3:
        return
    _known_to_inspection(client, chosen)
    # The two bad reviews rate cases done: only such a review founds a task (GB/T 39735).
    done = [c for c in chosen if _done(client, c)][:2]
    chosen = done + [c for c in chosen if c not in done]
    for i, case in enumerate(chosen[2:]):
        level = GOOD[i % len(GOOD)]
        _evaluate(client, case, level)
    rectified = _evaluate(client, chosen[0], "very_dissatisfied", phone="13800000101")
    if rectified.get("callback_due_on"):
        _call_back(client, rectified, chosen[0]["unit_code"])
    appealed = _evaluate(client, chosen[1], "dissatisfied", phone="13800000102")
    client.call(
        "POST",
        f"{EVALUATIONS}/{appealed['id']}/appeal",
        {
            "grounds": "malicious",
            "reason": "申请人当日未到窗口，录像为证 · the applicant never came that day",
            "evidence_note": "大厅监控录像 9:00–12:00 · hall video, 9:00–12:00",
        },
        role="unit",
        unit=chosen[1]["unit_code"],
    )
    _unit_rates_its_window(client, chosen[2])
    _last_month(client, [c for c in cases if c not in chosen])


def _last_month(client: DemoClient, cases: list[dict[str, Any]]) -> None:
    """Reviews of last month's cases, given last month, and that month's ranking (TJ-7.5)
    published: there is a ranking whatever the day the demo is loaded."""
    from services.inspection.handlers import evaluations

    first = clock.today().replace(day=1)
    earlier = [c for c in cases if date.fromisoformat(str(c["accepted_on"])) < first]
    earlier = earlier or _accepted_last_month(client, cases, first)
    rt = client.hall.runtime("inspection")
    for i, case in enumerate(_spread(earlier, 10)):
        level = GOOD[i % len(GOOD)] if i % 4 else "basically_satisfied"
        body = {**_body(case, level), "applicant_name": None, "applicant_phone": None}
        given = min(date.fromisoformat(str(case["accepted_on"])) + timedelta(days=2), first)
        evaluations.submit(rt.uow(actor="public"), body, rt.calendar, today=given - timedelta(1))
    month = (first - timedelta(days=1)).strftime("%Y-%m")
    client.call("POST", "/inspection/api/v1/rankings", {"month": month}, role="center")


def _accepted_last_month(
    client: DemoClient, cases: list[dict[str, Any]], first: date
) -> list[dict[str, Any]]:
    """Late in a month the demo's cases (24 days back at most) all fall in this month: accept a
    few more on last month's last working day, backdated as `cases.py` does, at the windows
    whose agreement was in force then (the TEDA window's has been for years)."""
    from services.registry.handlers import cases as registry
    from shared.errors import DomainError

    rt = client.hall.runtime("registry")
    day = first - timedelta(days=1)
    while not rt.calendar.is_workday(day):
        day -= timedelta(days=1)
    made = []
    one_per_window = {case["window_id"]: case for case in reversed(cases)}
    for case in one_per_window.values():
        window = client.call("GET", f"/registry/api/v1/windows/{case['window_id']}")
        body = {
            "window_id": case["window_id"],
            "matter_code": case["matter_code"],
            "applicant": case["applicant"],
            "staff_id": case["history"][0]["staff_id"],
        }
        try:
            made.append(
                registry.accept(
                    rt.uow(actor="demo"), rt.calendar, window["unit_code"], body, today=day
                )
            )
        except DomainError:
            continue  # the window's agreement began this month
    if not made:
        raise RuntimeError(f"demo: no window's agreement was in force on {day}")
    _known_to_inspection(client, made)
    return made


def _spread(cases: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """Cases from as many windows as there are, so most windows get a rating."""
    by_window: dict[int, list[dict[str, Any]]] = {}
    for case in cases:
        by_window.setdefault(case["window_id"], []).append(case)
    chosen: list[dict[str, Any]] = []
    while len(chosen) < n and any(by_window.values()):
        for queue in by_window.values():
            if queue and len(chosen) < n:
                chosen.append(queue.pop(0))
    return chosen


def _known_to_inspection(client: DemoClient, cases: list[dict[str, Any]]) -> None:
    """Inspection learns cases from registry's events; wait until it holds these."""
    deadline = time.monotonic() + 20
    center = client.headers("center")
    for case in cases:
        path = f"/inspection/api/v1/cases/{case['id']}"
        while client.client.get(path, headers=center).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"inspection did not learn of case {case['id']}")
            time.sleep(0.1)


def _evaluate(
    client: DemoClient, case: dict[str, Any], level: str, phone: str | None = None
) -> Any:
    body = _body(case, level)
    if phone is not None:
        body.update(applicant_name=case["applicant"], applicant_phone=phone)
    response = client.client.post(EVALUATIONS, json=body)  # the public: no token
    if response.status_code != 201:
        raise RuntimeError(f"demo evaluation: {response.status_code} {response.get_data(True)}")
    return response.json


def _done(client: DemoClient, case: dict[str, Any]) -> bool:
    """Inspection's copy of the case says it is delivered or refused."""
    path = f"/inspection/api/v1/cases/{case['id']}"
    return client.call("GET", path, role="center").get("stage") in ("delivered", "refused")


def _body(case: dict[str, Any], level: str) -> dict[str, Any]:
    return {
        "receipt_number": case["receipt_number"],
        "query_code": case["query_code"],
        "level": level,
        "text": TEXTS[level],
    }


def _call_back(client: DemoClient, evaluation: dict[str, Any], unit: str) -> None:
    tasks = client.call("GET", "/inspection/api/v1/rectifications?limit=200", role="center")
    [task] = [t for t in tasks["items"] if t["evaluation_id"] == evaluation["id"]]
    client.call(
        "POST",
        f"/inspection/api/v1/rectifications/{task['id']}/callback",
        {
            "called_at": datetime.now(UTC).isoformat(),
            "by": "窗口负责人 王芳 · Wang Fang, window lead",
            "outcome": "已致歉，约定周一补正材料 · apologised; materials completed on Monday",
        },
        role="unit",
        unit=unit,
    )


def _unit_rates_its_window(client: DemoClient, case: dict[str, Any]) -> None:
    client.call(
        "POST",
        "/inspection/api/v1/window-evaluations",
        {
            "window_id": case["window_id"],
            "period": f"{clock.today():%Y-%m}",
            "level": "satisfied",
            "text": "本月无投诉，需加强预约引导 · no complaints; guide bookings better",
        },
        role="unit",
        unit=case["unit_code"],
        expect=(201, 404),  # a comprehensive window's case may belong to a co-located unit
    )
