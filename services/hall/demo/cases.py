"""Demo cases: a few hundred across both halls, most delivered, some open, paused, yellow or
red (docs/demo.md). The API accepts a case today; the demo backdates them through the same
handlers, so the clock and the supervision sweep see weeks of history."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from services.hall.demo.client import DemoClient
from services.registry.domain.cases import CHAIN
from services.registry.handlers import cases, supervision
from shared import clock

APPLICANTS = [
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "John Smith",
    "Maria Garcia",
    "Kim Minjun",
    "Tanaka Yui",
    "Olga Ivanova",
    "杨帆",
    "赵磊",
    "黄丽",
    "周军",
    "吴敏",
]


def load(
    client: DemoClient,
    staff: dict[int, list[str]],
    per_window: int = 25,
    progress: Callable[[str], None] = lambda _: None,
) -> list[dict[str, Any]]:
    """Cases at every open window, taken by the window's A (B was posted today): `staff` maps a
    window to the staff posted there. Returns the receipts as the applicants got them (with the
    query code), for the public's evaluations."""
    rt = client.hall.runtime("registry")
    rng = random.Random(2026)  # the same demo every time
    windows = client.call("GET", "/registry/api/v1/directory?limit=200", role="center")["items"]
    receipts: list[dict[str, Any]] = []
    open_windows = [w for w in windows if w["is_open"] and w["matters"]]
    total = len(open_windows) * per_window
    for number, window in enumerate(open_windows):
        if number % max(len(open_windows) // 4, 1) == 0:
            progress(f"cases ({len(receipts)}/{total})")
        for _ in range(per_window):
            posted = staff.get(window["id"]) or [f"{window['unit']['code']}-{window['id']}-0"]
            receipts.append(_one_case(rt, window, posted[0], rng))
    supervision.sweep(rt.uow(actor="demo"), rt.calendar, clock.today())
    return receipts


def _one_case(rt: Any, window: dict[str, Any], staff: str, rng: random.Random) -> dict[str, Any]:
    today = clock.today()
    accepted = _working_day(rt, today - timedelta(days=rng.randint(0, 24)))
    matter = rng.choice(window["matters"])["code"]
    case = cases.accept(
        rt.uow(actor="demo"),
        rt.calendar,
        window["unit"]["code"],
        {
            "window_id": window["id"],
            "matter_code": matter,
            "applicant": rng.choice(APPLICANTS),
            "staff_id": staff,
            "assisted_by": staff if rng.random() < 0.1 else "",
        },
        today=accepted,
    )
    unit = case["unit_code"]  # a comprehensive window's case belongs to the matter's unit
    fate = rng.random()
    if fate < 0.08:  # waiting for the applicant's materials
        cases.request_supplement(
            rt.uow(actor="demo"),
            case["id"],
            unit,
            {
                "materials": ["护照复印件 passport copy", "劳动合同 employment contract"],
                "staff_id": staff,
            },
            today=min(accepted + timedelta(days=1), today),
        )
        return case
    steps = len(CHAIN) - 1 if fate > 0.3 else rng.randint(0, len(CHAIN) - 2)
    day = accepted
    for stage in CHAIN[1 : 1 + steps]:
        day = min(rt.calendar.add_workdays(day, rng.randint(0, 2)), today)
        cases.advance(
            rt.uow(actor="demo"),
            rt.calendar,
            case["id"],
            unit,
            {"stage": stage.value, "staff_id": staff},
            today=day,
        )
    return case


def _working_day(rt: Any, day: date) -> date:
    return day if rt.calendar.is_workday(day) else rt.calendar.add_workdays(day, 1)
