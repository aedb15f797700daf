"""Staffing's demo: staff at every published window as A and B, a chief representative per
unit, and one staff member on the post for over two years (due for rotation)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from typing import Any

from services.hall.demo.client import DemoClient
from shared import clock

NAMES = [
    "张伟",
    "李娜",
    "王芳",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄丽",
    "周军",
    "吴敏",
    "徐明",
    "孙悦",
    "马超",
    "朱琳",
    "胡斌",
    "郭婷",
    "何鹏",
    "高洁",
    "林峰",
    "罗敏",
    "郑凯",
    "梁静",
    "谢磊",
    "宋佳",
    "唐伟",
    "许晴",
    "韩冰",
    "冯涛",
    "邓丽",
    "曹阳",
    "彭辉",
    "曾敏",
]
_serial = count(1)


def _id_number(birth: date) -> str:
    serial = next(_serial)
    return f"410103{birth:%Y%m%d}{serial:03d}{serial % 10}"


def _person(client: DemoClient, unit: str) -> dict[str, Any]:
    serial = next(_serial)
    birth = date(1983 + serial % 16, 1 + serial % 12, 1 + serial % 27)  # all 45 or younger
    body = {
        "name": NAMES[serial % len(NAMES)],
        "id_number": _id_number(birth),
        "phone": f"1380371{serial:04d}",
        "birth_date": birth.isoformat(),
        "employment": "civil_servant" if serial % 3 else "formal_staff",
        "law_enforcement_cert": f"豫执法 {410000000 + serial}",
        "work_started_on": (birth + timedelta(days=23 * 365)).isoformat(),
        "knows_approval_work": True,
    }
    person: dict[str, Any] = client.call(
        "POST", "/staffing/api/v1/staff", body, role="unit", unit=unit
    )
    return person


def load(client: DemoClient) -> dict[str, Any]:
    """Returns what later parts of the demo build on: units' chiefs and the posts."""
    windows = client.call("GET", "/registry/api/v1/directory?limit=200", role="center")["items"]
    chiefs: dict[str, dict[str, Any]] = {}
    seats: list[dict[str, Any]] = []
    for index, window in enumerate(windows):
        unit = window["unit"]["code"]
        if unit not in chiefs:
            chief, deputy = _person(client, unit), _person(client, unit)
            client.call(
                "PUT",
                f"/staffing/api/v1/chief-representatives/{unit}",
                {
                    "staff_id": chief["id"],
                    "deputy_staff_id": deputy["id"],
                    "starts_on": (clock.today() - timedelta(days=400)).isoformat(),
                },
                role="center",  # a term that began before today is the center's to record
            )
            chiefs[unit] = {"chief": chief, "deputy": deputy}
        post = client.call(
            "POST",
            "/staffing/api/v1/posts",
            {"window_id": window["id"], "name": "受理 Acceptance"},
            role="unit",
            unit=unit,
        )
        a, b = _person(client, unit), _person(client, unit)
        # The first window's A has held the post for over two years: due for rotation.
        a_since = clock.today() - timedelta(days=800 if index == 0 else 200)
        for person, role, since in ((a, "A", a_since), (b, "B", clock.today())):
            # The unit posts its staff from today; a posting that began earlier is recorded by
            # the center (EQ-3.2.3: it starts the two-year rotation clock).
            client.call(
                "POST",
                f"/staffing/api/v1/posts/{post['id']}/assignments",
                {"staff_id": person["id"], "role": role, "starts_on": since.isoformat()},
                role="center" if since < clock.today() else "unit",
                unit=unit,
            )
        seats.append({"window": window, "post": post, "a": a, "b": b})
    return {"chiefs": chiefs, "seats": seats}


def extras(client: DemoClient, staffing: dict[str, Any]) -> None:
    """An approved absence with B covering, and a unit's seal with its uses (docs/demo.md)."""
    rt = client.hall.runtime("staffing")
    first = staffing["seats"][0]
    unit = first["window"]["unit"]["code"]
    chief = staffing["chiefs"][unit]
    tomorrow = rt.calendar.add_workdays(clock.today(), 1)
    absence = client.call(
        "POST",
        "/staffing/api/v1/absences",
        {
            "staff_id": first["a"]["id"],
            "starts_on": tomorrow.isoformat(),
            "ends_on": tomorrow.isoformat(),
            "reason": "参加业务培训 · training course",
        },
        role="unit",
        unit=unit,
    )
    client.call(
        "POST",
        f"/staffing/api/v1/absences/{absence['id']}/approval",
        {"chief_staff_id": chief["chief"]["id"]},
        role="unit",
        unit=unit,
    )
    seal = client.call(
        "POST",
        "/staffing/api/v1/seals",
        {
            "name": f"{unit} 行政审批专用章 · approval seal",
            "custodian_a": chief["chief"]["id"],
            "custodian_b": chief["deputy"]["id"],
        },
        role="unit",
        unit=unit,
    )
    for number, custodian in ((1, chief["chief"]), (2, chief["deputy"]), (3, chief["chief"])):
        client.call(
            "POST",
            f"/staffing/api/v1/seals/{seal['id']}/uses",
            {
                "case_number": f"{clock.today():%Y%m%d}{number:08d}",
                "purpose": "approval",
                "staff_id": custodian["id"],
            },
            role="unit",
            unit=unit,
        )
