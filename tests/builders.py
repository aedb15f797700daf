"""Builders that walk registry data through its public API, as a real client would."""

from __future__ import annotations

from typing import Any

from werkzeug.test import Client

from shared import clock
from tests.support import bearer

AUTHORITY = bearer("authority")
CENTER = bearer("center")

EVIDENCE = {
    "demand": "约 3,000 foreign employees in the district; 1,200 applications a year",
    "staffing": "two civil servants with law-enforcement certificates",
    "funding": "district budget line 2026-17",
    "equipment": "two dedicated PCs, printer, e-government network",
    "district_consent": "河西区政府 consent letter 河西政函〔2026〕12号",
}
DETAILS = {
    "address": "天津市河西区友谊路 1 号 3 楼 · 3F, 1 Youyi Road, Hexi",
    "phone": "022-2345 6789",
    "hours": "周一至周五 9:00–17:00 · Mon–Fri 9:00–17:00",
    "service_standards": "一次告知、限时办结 · one-time notification, time-limited completion",
    "code_of_conduct": "文明服务、廉洁办事 · courteous and clean service",
    "performance_assessment": "年度考核，结果公开 · annual assessment, results published",
    "complaint_channel": "12345 hotline, complaint box at the entrance",
    "emergency_plan": "backup window 12 takes over during outages",
}
MATTER = {
    "name_zh": "外国人来华工作许可（90日以上）",
    "name_en": "Work permit for foreigners (more than 90 days)",
    "type": "licensing",
    "case_kind": "promised",
    "legal_limit_days": 20,
    "promised_limit_days": 10,
    "extension_days": 10,
    "extension_note": "extended by 10 working days with reasons told to the employer",
    "materials": [
        {"name_zh": "申请表", "name_en": "Application form", "required": True, "copies": 1},
        {"name_zh": "护照", "name_en": "Passport", "required": True, "copies": 1},
        {"name_zh": "学历证明", "name_en": "Degree certificate", "required": False, "copies": 1},
    ],
    "flow": ["受理 Accept", "审查 Review", "决定 Decide", "发证 Issue"],
    "visits": 1,
    "fees": "免费 Free",
    "legal_basis": "《外国人在中国就业管理规定》",
}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def unit(client: Client, code: str, district: str = "河西区 Hexi") -> dict[str, Any]:
    body = {"code": code, "name": f"{code} 政务服务中心", "district": district}
    return ok(client.post("/registry/api/v1/units", json=body, headers=AUTHORITY), 201)


def hall(client: Client, code: str = "tj-hall") -> dict[str, Any]:
    body = {
        "code": code,
        "name_zh": "天津市政务服务中心",
        "name_en": "Tianjin Service Hall",
        "address": "天津市河西区友谊路 1 号",
        "hours": "Mon–Fri 9:00–17:00",
        "phone": "022-12345",
    }
    return ok(client.post("/registry/api/v1/halls", json=body, headers=AUTHORITY), 201)


def matter(client: Client, code: str, **changes: Any) -> dict[str, Any]:
    body = {**MATTER, "code": code, **changes}
    return ok(client.post("/registry/api/v1/matters", json=body, headers=AUTHORITY), 201)


def application(
    client: Client, unit_code: str, hall_code: str = "tj-hall", **changes: Any
) -> dict[str, Any]:
    body = {
        "hall_code": hall_code,
        "name_zh": "外国人工作许可窗口",
        "name_en": "Foreign work permit window",
        "type": "permanent",
        "evidence": EVIDENCE,
        "details": DETAILS,
        **changes,
    }
    return ok(
        client.post("/registry/api/v1/windows", json=body, headers=bearer("unit", unit_code)), 201
    )


def procedure(
    client: Client,
    window_id: int,
    matters: list[str],
    until: str = "publication",
    starts_on: str | None = None,
) -> dict[str, Any]:
    """Take the authority's steps in order, stopping after `until`: each dated today in the
    hall (a step may not precede the application, made today, nor follow today); the agreement
    starts on `starts_on`, today unless given."""
    today = clock.today().isoformat()
    base = f"/registry/api/v1/windows/{window_id}"
    steps: list[tuple[str, dict[str, Any] | None, int]] = [
        (
            "inspection",
            {
                "inspected_on": today,
                "inspectors": ["市科技局 王", "市人社局 李"],
                "findings": "site meets the conditions",
                "passed": True,
            },
            200,
        ),
        (
            "review",
            {
                "held_on": today,
                "participants": ["市科技局", "市人社局"],
                "experts": ["张教授"],
                "opinion": "agreed",
                "passed": True,
            },
            200,
        ),
        ("letter", {"number": "津科函〔2026〕88号", "issued_on": today}, 200),
        (
            "agreement",
            {
                "matters": matters,
                "duties": "handle delegated permits",
                "rights": "use of the municipal system",
                "requirements": "TJ-6 standards",
                "starts_on": starts_on or today,
            },
            201,
        ),
        ("publication", None, 200),
    ]
    result: dict[str, Any] = {}
    for step, body, status in steps:
        result = ok(client.post(f"{base}/{step}", json=body, headers=AUTHORITY), status)
        if step == until:
            break
    return result


def published_window(
    client: Client, unit_code: str, matter_codes: list[str], **changes: Any
) -> dict[str, Any]:
    window = application(client, unit_code, **changes)
    procedure(client, window["id"], matter_codes)
    return ok(client.get(f"/registry/api/v1/windows/{window['id']}", headers=AUTHORITY))


def stub_event(event_type: str, data: dict[str, Any]) -> str:
    """An event as its producer would publish it: for services not built yet (stub publisher)."""
    import services.inspection.contracts
    import services.staffing.contracts  # noqa: F401
    from shared.events import lookup, new_event

    source = f"/govhall/{lookup(event_type).service}"
    return new_event(
        source=source, type=event_type, subject=str(data.get("window_id", "")), data=data
    ).to_json()


def absence(status: str, **more: Any) -> dict[str, Any]:
    """An absence event's payload as staffing sends it (A is 张三 of tj-hexi's post 5)."""
    return {
        "absence_id": 7,
        "staff_id": "s-zhang",
        "name": "张三",
        "unit_code": "tj-hexi",
        "window_id": 3,
        "post_id": 5,
        "starts_on": "2026-12-07",
        "ends_on": "2026-12-09",
        "late": False,
        "status": status,
        **more,
    }


def sanction(
    window: dict[str, Any], kind: str, sanction_id: int = 1, lifted: bool = False
) -> tuple[str, str]:
    verb = "lifted" if lifted else "imposed"
    event_type = f"govhall.inspection.sanction.{verb}.v1"
    data = {
        "sanction_id": sanction_id,
        "kind": kind,
        "window_id": window["id"],
        "unit_code": window["unit_code"],
        "basis": "TJ-8.2",
        "reason": "concentrated complaints",
        "at": "2026-11-20T08:00:00+00:00",
    }
    return event_type, stub_event(event_type, data)
