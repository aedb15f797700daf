"""Registry's demo: units, halls, matters and windows in every state (docs/demo.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.hall.demo.catalogue import (
    EQ_MATTERS,
    EQ_UNITS,
    EVIDENCE,
    HALLS,
    TJ_MATTERS,
    TJ_UNITS,
    window_details,
)
from services.hall.demo.client import DemoClient, as_of
from shared import clock


def load(client: DemoClient) -> None:
    for code, name, district in TJ_UNITS:
        client.call(
            "POST", "/registry/api/v1/units", {"code": code, "name": name, "district": district}
        )
    for code, name in EQ_UNITS:
        client.call(
            "POST",
            "/registry/api/v1/units",
            {"code": code, "name": name, "district": "二七区 Erqi"},
        )
    for hall in HALLS:
        client.call("POST", "/registry/api/v1/halls", hall)
    for code, body in {**TJ_MATTERS, **EQ_MATTERS}.items():
        client.call("POST", "/registry/api/v1/matters", {"code": code, **body})
    _tianjin(client)
    _erqi(client)
    soon = clock.today() + timedelta(days=30)
    client.call(
        "POST",
        "/registry/api/v1/halls/eq-erqi/notices",
        {
            "kind": "closure",
            "starts_on": soon.isoformat(),
            "ends_on": (soon + timedelta(days=1)).isoformat(),
            "message_zh": "系统升级，大厅暂停服务两天，电话与办事流程不变。",
            "message_en": "Closed two days for a system upgrade; phones and procedures unchanged.",
        },
        role="center",
    )


def _window(
    client: DemoClient,
    unit: str,
    hall: str,
    name_zh: str,
    name_en: str,
    type: str = "permanent",
    **extra: Any,
) -> int:
    body = {
        "hall_code": hall,
        "name_zh": name_zh,
        "name_en": name_en,
        "type": type,
        "evidence": EVIDENCE,
        **extra,
    }
    with as_of(clock.today() - HISTORY):  # every demo window applied then (HISTORY)
        window: dict[str, Any] = client.call(
            "POST", "/registry/api/v1/windows", body, role="unit", unit=unit
        )
    return int(window["id"])


# The demo's windows applied, and those in service were published, this long ago: the staff
# posted there have served up to 800 days (a posting starts once its window is published,
# TJ-5.6), and the assessment counts the whole year (EQ-3.2.2a).
HISTORY = timedelta(days=900)


def _steps(
    client: DemoClient, window_id: int, matters: list[str], until: str, starts_on: str | None = None
) -> None:
    if until == "publication":  # the whole procedure on the day it applied
        with as_of(clock.today() - HISTORY):
            _steps_on(client, window_id, matters, until, starts_on)
    else:  # the steps so far taken today
        _steps_on(client, window_id, matters, until, starts_on)


def _steps_on(
    client: DemoClient, window_id: int, matters: list[str], until: str, starts_on: str | None
) -> None:
    today = clock.today()
    # Each step is dated the hall's today: a step may not precede the one before it nor follow
    # today (docs/registry.md). The agreement may have begun already.
    base = f"/registry/api/v1/windows/{window_id}"
    plan: list[tuple[str, dict[str, Any] | None]] = [
        (
            "inspection",
            {
                "inspected_on": today.isoformat(),
                "inspectors": ["市科技局 王强", "市人社局 李敏"],
                "findings": "场地、设备符合要求 · site and equipment meet the conditions",
                "passed": True,
            },
        ),
        (
            "review",
            {
                "held_on": today.isoformat(),
                "participants": ["市科技局", "市人社局", "区政府"],
                "experts": ["南开大学 张教授"],
                "opinion": "同意设立 · agreed",
                "passed": True,
            },
        ),
        (
            "letter",
            {
                "number": f"津科外函〔{today.year}〕{window_id:02d}号",
                "issued_on": today.isoformat(),
            },
        ),
        (
            "agreement",
            {
                "matters": matters,
                "duties": "受理、审查、发证 · accept, review, issue",
                "rights": "使用管理服务系统 · use the management system",
                "requirements": "执行服务标准 (TJ-6) · apply the service standards",
                "starts_on": starts_on or (today - timedelta(days=30)).isoformat(),
            },
        ),
        ("publication", None),
    ]
    for step, body in plan:
        client.call("POST", f"{base}/{step}", body)
        if step == until:
            return


def _tianjin(client: DemoClient) -> None:
    hall = "tj-hall"
    permits = list(TJ_MATTERS)
    _window(
        client,
        "tj-heping",
        hall,
        "和平区外国人工作许可窗口",
        "Heping work permit window",
        details=window_details("和平区南京路 100 号", "022-2711 0001"),
    )  # just applied
    for unit, step in (
        ("tj-nankai", "inspection"),
        ("tj-binhai", "review"),
        ("tj-xiqing", "letter"),
    ):
        window_id = _window(
            client,
            unit,
            hall,
            f"{unit} 外国人工作许可窗口",
            f"{unit} work permit window",
            details=window_details("天津市", "022-2300 0000"),
        )
        _steps(client, window_id, permits, until=step)
    hexi = _window(
        client,
        "tj-hexi",
        hall,
        "河西区外国人工作许可窗口",
        "Hexi work permit window",
        details=window_details("河西区友谊路 32 号 2 号窗 · window 2", "022-2301 0002"),
    )
    _steps(client, hexi, permits, until="publication")
    expiring = (clock.today() - timedelta(days=3 * 365 - 60)).isoformat()
    teda = _window(
        client,
        "tj-teda",
        hall,
        "开发区外国人工作许可窗口",
        "TEDA work permit window",
        details=window_details("开发区第三大街 8 号", "022-6620 0003"),
    )
    _steps(client, teda, permits[:2], until="publication", starts_on=expiring)
    second = _window(
        client,
        "tj-hexi",
        hall,
        "河西区外国人工作许可第二窗口",
        "Hexi work permit window 2",
        details=window_details("河西区", "022-2301 0004"),
    )
    _steps(client, second, permits[:2], until="publication")
    _more_states(client, hall, permits)
    revoked = _window(
        client,
        "tj-binhai",
        hall,
        "滨海新区外国人工作许可窗口",
        "Binhai work permit window",
        details=window_details("滨海新区", "022-2500 0005"),
    )
    _steps(client, revoked, permits[:1], until="publication")
    client.call(
        "POST",
        f"/registry/api/v1/windows/{revoked}/revocation-request",
        {"reason": "办件量过少：全年 3 件 · too little volume: 3 cases a year (TJ-7.6)"},
        role="unit",
        unit="tj-binhai",
    )
    client.call(
        "POST",
        f"/registry/api/v1/windows/{revoked}/revocation",
        {"consented_on": clock.today().isoformat(), "note": "同意撤销 · consented"},
    )


def _more_states(client: DemoClient, hall: str, permits: list[str]) -> None:
    """An agreement signed but not yet published, a failed inspection, and a second Heping
    window (suspended and terminated windows come from inspection's real sanctions)."""
    agreed = _window(
        client,
        "tj-xiqing",
        hall,
        "西青区外国人工作许可第二窗口",
        "Xiqing work permit window 2",
        details=window_details("西青区", "022-2700 0006"),
    )
    _steps(client, agreed, permits[:1], until="agreement")
    rejected = _window(
        client,
        "tj-nankai",
        hall,
        "南开区外国人工作许可第二窗口",
        "Nankai work permit window 2",
        details=window_details("南开区", "022-2700 0007"),
    )
    client.call(
        "POST",
        f"/registry/api/v1/windows/{rejected}/inspection",
        {
            "inspected_on": clock.today().isoformat(),
            "inspectors": ["市科技局 王强", "市人社局 李敏"],
            "findings": "无专用设备、无网络 · no dedicated equipment or network",
            "passed": False,
        },
    )
    heping = _window(
        client,
        "tj-heping",
        hall,
        "和平区外国人工作许可第二窗口",
        "Heping work permit window 2",
        details=window_details("和平区", "022-2700 0008"),
    )
    _steps(client, heping, permits[:1], until="publication")


def _erqi(client: DemoClient) -> None:
    hall = "eq-erqi"
    for unit, matters, name_zh, name_en in (
        (
            "eq-market",
            ["eq-company-registration", "eq-food-licence"],
            "市场监管窗口",
            "Market supervision window",
        ),
        (
            "eq-housing",
            ["eq-construction-permit"],
            "住建窗口",
            "Construction window",
        ),
        (
            "eq-hrss",
            ["eq-social-insurance"],
            "人社窗口",
            "Social insurance window",
        ),
        (
            "eq-police",
            ["eq-household"],
            "公安户政窗口",
            "Household registration window",
        ),
    ):
        window_id = _window(
            client,
            unit,
            hall,
            name_zh,
            name_en,
            details=window_details("二七区行政服务中心一楼 · 1F", "0371-6812 3400"),
        )
        _steps(client, window_id, matters, until="publication")
    shared = _window(
        client,
        "eq-archives",
        hall,
        "综合窗口",
        "Comprehensive window",
        type="comprehensive",
        co_units=["eq-ethnic", "eq-science", "eq-weather"],
        details=window_details("二七区行政服务中心二楼 · 2F", "0371-6812 3410"),
    )
    _steps(
        client,
        shared,
        ["eq-archives-query", "eq-religious-venue", "eq-tech-enterprise", "eq-lightning"],
        until="publication",
    )
    for number in (1, 2):
        emergency = _window(
            client,
            "eq-hrss",
            hall,
            f"应急窗口 {number}",
            f"Emergency window {number}",
            type="emergency",
            details=window_details("二七区行政服务中心一楼", "0371-6812 3420"),
        )
        _steps(client, emergency, ["eq-social-insurance"], until="publication")
    for unit, matter, months, name_zh, name_en in (
        ("eq-education", "eq-enrolment", [7, 8], "义务教育入学登记窗口", "School enrolment window"),
        ("eq-tax", "eq-tax-assist", [3, 4, 5, 6], "个税汇算辅导窗口", "Income tax filing help"),
    ):
        seasonal = _window(
            client,
            unit,
            hall,
            name_zh,
            name_en,
            type="seasonal",
            seasonal_months=months,
            details=window_details("二七区行政服务中心三楼", "0371-6812 3430"),
        )
        _steps(client, seasonal, [matter], until="publication")
