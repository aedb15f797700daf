"""The sanctions ladder in the demo (TJ-8.1, TJ-8.2): a window under each sanction, all through
the real API — on Hexi's first window (the findings demo's) an interview and a rectification
order reported and verified; on other active windows an order still open, a suspension for a
serious finding (with the order whose verification would lift it), and a termination confirmed
on an order whose deadline passed unrectified a month ago."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from services.hall.demo.client import as_of
from shared import clock

if TYPE_CHECKING:
    from services.hall.demo.client import DemoClient

SANCTIONS = "/inspection/api/v1/sanctions"
PEOPLE = [
    {"name": "张敏 Zhang Min（窗口负责人）", "role": "window_lead"},
    {"name": "李强 Li Qiang（单位分管领导）", "role": "unit_leader"},
]


def load(client: DemoClient) -> None:
    from services.hall.demo.client import settle

    settle(client.hall)  # inspection knows the windows and the findings so far
    first, *others = _windows(client)
    _interview_and_verified_order(client, first)
    if len(others) >= 1:
        _order(client, others[0], _finding(client, others[0], "major"), "窗口未落实首问负责制")
    if len(others) >= 2:
        _suspension(client, others[1])
    if len(others) >= 3:
        _termination(client, others[2])
    settle(client.hall)


def _windows(client: DemoClient) -> list[dict[str, Any]]:
    """Hexi's first active window, then the other active windows in id order."""
    listed = client.call("GET", "/registry/api/v1/windows?state=active&limit=200", role="center")
    items = sorted(listed["items"], key=lambda w: w["id"])
    hexi = min((w for w in items if w["unit_code"] == "tj-hexi"), key=lambda w: w["id"])
    return [hexi, *[w for w in items if w["id"] != hexi["id"]]]


def _finding(client: DemoClient, window: dict[str, Any], severity: str) -> int:
    body = {
        "window_id": window["id"],
        "severity": severity,
        "rule": "EQ-4.4b",
        "summary": "抽查发现一次性告知落实不到位 · one-time notification not practised",
        "rectification": "培训受理人员，清单上墙 · train staff, post the checklist",
        "source": "spot_check",
    }
    return int(client.call("POST", "/inspection/api/v1/findings", body, role="inspector")["id"])


def _order(client: DemoClient, window: dict[str, Any], finding: int, problems: str) -> Any:
    body = {"window_id": window["id"], "findings": [finding], "problems": problems}
    return client.call("POST", f"{SANCTIONS}/orders", body)


def _interview_and_verified_order(client: DemoClient, window: dict[str, Any]) -> None:
    url = f"/inspection/api/v1/findings?window_id={window['id']}&status=open"
    found = [f["id"] for f in client.call("GET", url, role="inspector")["items"]]
    finding = found[0] if found else _finding(client, window, "major")
    interview = {
        "window_id": window["id"],
        "findings": [finding],
        "interviewed": PEOPLE,
        "held_on": clock.today().isoformat(),
        "minutes": "约谈窗口负责人及单位分管领导，责成一周内整改 · rectify within a week",
    }
    client.call("POST", f"{SANCTIONS}/interviews", interview, role="inspector")
    order = _order(client, window, finding, "收费标准及一次性告知清单未公示 · notices not posted")
    report = {"summary": "已公示并组织培训，附照片 · posted, staff trained, photos attached"}
    unit = window["unit_code"]
    client.call("POST", f"{SANCTIONS}/orders/{order['id']}/report", report, role="unit", unit=unit)
    verdict = {"accepted": True, "note": "现场核实已整改 · verified on site"}
    client.call("POST", f"{SANCTIONS}/orders/{order['id']}/verification", verdict)


def _suspension(client: DemoClient, window: dict[str, Any]) -> None:
    body = {
        "window_id": window["id"],
        "findings": [_finding(client, window, "serious")],
        "reason": "严重问题：拒不受理材料齐全的申请 · a complete application refused",
    }
    client.call("POST", f"{SANCTIONS}/suspensions", body)


def _termination(client: DemoClient, window: dict[str, Any]) -> None:
    finding = _finding(client, window, "major")
    with as_of(clock.today() - timedelta(days=42)):  # an order issued six weeks ago
        order = _order(client, window, finding, "长期脱岗，群众办事无人受理 · staff absent")
    body = {
        "window_id": window["id"],
        "order_id": order["id"],
        "reason": "整改期满未整改 · not rectified by the deadline",
    }
    client.call("POST", f"{SANCTIONS}/terminations", body)
