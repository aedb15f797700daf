"""Joint inspections in the demo (TJ-7.4): inspectors from the municipal bureaus and the
districts, each with the units they may not inspect; last month's proportional sampling drawn
with a (demo) lottery value; and an unannounced spot check of three windows, two inspectors each,
none from the unit inspected. Every draw re-runs at `GET /inspection/api/v1/draws/<id>/verify`."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from shared import clock

if TYPE_CHECKING:
    from services.hall.demo.client import DemoClient

API = "/inspection/api/v1"
# (name, home unit, declared conflicts): None is the authority's own staff.
INSPECTORS = [
    ("市科技局 王建国 · Wang Jianguo, Science & Technology Bureau", None, []),
    ("市人社局 李秀英 · Li Xiuying, HR & Social Security Bureau", None, ["tj-nankai"]),
    ("市科技局 张伟 · Zhang Wei, Science & Technology Bureau", None, []),
    ("河西区 刘洋 · Liu Yang, Hexi", "tj-hexi", []),
    ("南开区 陈静 · Chen Jing, Nankai", "tj-nankai", ["tj-hexi"]),
    ("滨海新区 赵磊 · Zhao Lei, Binhai", "tj-binhai", []),
]
CHECKLIST = [
    "受理材料齐全、一次告知 · materials complete, missing ones told once (EQ-4.4b)",
    "按承诺时限办结 · completed within the promised limit (EQ-4.4c)",
    "审批专用章使用登记 · approval seal use logged (EQ-4.2)",
    "结果送达记录 · delivery recorded (EQ-4.3)",
]
SPOT_CHECKLIST = [
    "AB岗在岗在位 · A or B at every post (EQ-3.2.5)",
    "公示服务标准与投诉渠道 · standards and complaint channel displayed (TJ-6.1)",
    "文明服务、无吃拿卡要 · courteous service, no favours asked (TJ-8.3)",
]


def load(client: DemoClient) -> None:
    _wait_for_units(client, {home for _, home, _ in INSPECTORS if home})
    for name, home, conflicts in INSPECTORS:
        body = {"name": name, "home_unit": home, "conflicts": conflicts}
        client.call("POST", f"{API}/inspectors", body)
    today = clock.today()
    plan = client.call(
        "POST",
        f"{API}/sampling-plans",
        {
            "title": "近一个月办结件比例抽检 · sampling of last month's completed cases",
            "period_from": (today - timedelta(days=30)).isoformat(),
            "period_to": (today - timedelta(days=1)).isoformat(),
            "rate": "0.05",
            "minimum_per_window": 1,
            "checklist": CHECKLIST,
            "seed_source": f"福利彩票3D {today:%Y-%m-%d} 开奖号码 · lottery 3D draw of the day",
            "draw_on": today.isoformat(),
        },
        role="inspector",
    )
    client.call(
        "POST", f"{API}/sampling-plans/{plan['id']}/draw", {"seed_value": "3 8 1"}, role="inspector"
    )
    check = client.call(
        "POST",
        f"{API}/spot-checks",
        {
            "title": "窗口服务随机抽查 · unannounced check of window service",
            "days": [(today + timedelta(days=2)).isoformat()],
            "windows": 3,
            "inspectors_per_window": 2,
            "checklist": SPOT_CHECKLIST,
            "seed_source": f"上证综指 {today:%Y-%m-%d} 收盘点位 · SSE Composite close of the day",
            "draw_on": today.isoformat(),
        },
    )
    client.call("POST", f"{API}/spot-checks/{check['id']}/draw", {"seed_value": "3361.84"})


def _wait_for_units(client: DemoClient, codes: set[str], timeout: float = 20.0) -> None:
    """Inspectors name units inspection knows from registry's events: wait until it does."""
    deadline = time.monotonic() + timeout
    missing: list[Any] = sorted(codes)
    while time.monotonic() < deadline:
        missing = [code for code in sorted(codes) if not _known(client, code)]
        if not missing:
            return
        time.sleep(0.1)
    raise RuntimeError(f"inspection does not know the units {missing}")


def _known(client: DemoClient, code: str) -> bool:
    response = client.client.get(f"{API}/units/{code}", headers=client.headers("inspector"))
    return response.status_code == 200
