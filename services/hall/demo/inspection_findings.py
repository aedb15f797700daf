"""Inspection's findings and guidance visits (TJ-7.2, TJ-7.4, TJ-8.1) on Hexi's published work
permit window, which a sanction has already put on the unit's record (so no demo story of
another unit's windows changes): the authority's visit with the problems it found, the unit's
own visit, findings of each severity — one on a case with its acceptor named, one with a photo
as evidence — one rectified and verified, one rejected and sent back with a new deadline."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from shared import clock

if TYPE_CHECKING:
    from services.hall.demo.client import DemoClient

FINDINGS = "/inspection/api/v1/findings"


def load(client: DemoClient) -> None:
    from services.hall.demo.client import settle

    settle(client.hall)  # inspection knows the windows and cases registry published
    window = _hexi_window(client)
    visit = _visits(client, window)
    _record(client, window, "minor", "TJ-6.1", "服务规范未上墙 · service standards not posted",
            "在窗口显著位置公示服务规范 · post the service standards at the window",
            source="spot_check")  # fmt: skip
    case = _a_case(client, window["id"])
    major = _record(
        client, window, "major", "EQ-4.4b",
        "同一申请人被两次要求补正材料 · the applicant was asked for missing materials twice",
        "一次性告知清单上墙并培训受理人员 · post the one-time notification checklist, train staff",
        source="spot_check", case_id=case["id"] if case else None,
        staff_id=_acceptor(case),
    )  # fmt: skip
    _evidence(client, major["id"])
    _record(client, window, "serious", "TJ-8.3",
            "工作人员推诿，拒不受理材料齐全的申请 · buck-passing: a complete application refused",
            "约谈窗口负责人，提交书面整改报告 · interview the window's head, report in writing",
            source="complaint", rectification_days=5)  # fmt: skip
    _rectify(client, visit["problems"][0]["finding_id"], accepted=True)
    _rectify(client, major["id"], accepted=False)


def _hexi_window(client: DemoClient) -> dict[str, Any]:
    listed = client.call("GET", "/registry/api/v1/windows?state=active&limit=200", role="center")
    hexi = [w for w in listed["items"] if w["unit_code"] == "tj-hexi"]
    return dict(min(hexi, key=lambda w: w["id"]))


def _a_case(client: DemoClient, window_id: int) -> dict[str, Any] | None:
    url = f"/registry/api/v1/cases?window_id={window_id}&limit=1"
    items = client.call("GET", url, role="inspector")["items"]
    return dict(items[0]) if items else None


def _acceptor(case: dict[str, Any] | None) -> str | None:
    history = (case or {}).get("history") or [{}]
    return history[0].get("staff_id") or None


def _visits(client: DemoClient, window: dict[str, Any]) -> dict[str, Any]:
    """The authority's visit finds two problems and records the first as a finding; the unit's
    own visit a week later records one problem for the authority to weigh."""
    today = clock.today()
    body = {
        "window_id": window["id"],
        "visited_on": (today - timedelta(days=14)).isoformat(),
        "visitors": [
            "市科技局 王科长 · Wang, Science & Technology Bureau",
            "市人社局 李 · Li, HRSS",
        ],
        "summary": "检查受理台账、一次性告知和收费公示 · register, notifications and fee notices",
        "problems": [
            {
                "description": "收费标准未公示 · fees not posted at the window",
                "finding": {
                    "severity": "minor",
                    "rule": "EQ-1.3",
                    "rectification": "在窗口和网站公示收费标准 · post the fees here and online",
                },
            },
            {"description": "B 岗人员不熟悉审批系统 · B is not yet at ease with the system"},
        ],
    }
    visit = client.call("POST", "/inspection/api/v1/guidance-visits", body)
    own = {
        **body,
        "visited_on": (today - timedelta(days=7)).isoformat(),
        "visitors": ["河西区政务服务中心 赵主任 · Director Zhao, Hexi"],
        "summary": "单位自查窗口纪律 · the unit's own check of window discipline",
        "problems": [
            {"description": "午间无人值守 20 分钟 · window unattended 20 minutes at noon"}
        ],
    }
    client.call("POST", "/inspection/api/v1/guidance-visits", own, role="unit", unit="tj-hexi")
    return dict(visit)


def _record(
    client: DemoClient,
    window: dict[str, Any],
    severity: str,
    rule: str,
    summary: str,
    rectification: str,
    **more: Any,
) -> dict[str, Any]:
    body = {
        "window_id": window["id"],
        "severity": severity,
        "rule": rule,
        "summary": summary,
        "rectification": rectification,
        **more,
    }
    return dict(client.call("POST", FINDINGS, body, role="inspector"))


def _evidence(client: DemoClient, finding_id: int) -> None:
    response = client.client.post(
        f"{FINDINGS}/{finding_id}/evidence?filename=现场照片.png&description=受理台账照片",
        data=_photo(),
        headers={**client.headers("inspector"), "Content-Type": "image/png"},
    )
    if response.status_code != 201:
        raise RuntimeError(f"demo evidence: {response.status_code} {response.get_data(True)}")


def _photo(size: int = 16) -> bytes:
    """A small real PNG (a grey square): evidence a browser can show."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes([160]) * size for _ in range(size))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _rectify(client: DemoClient, finding_id: int, accepted: bool) -> None:
    url = f"{FINDINGS}/{finding_id}"
    report = {"report": "已整改并拍照留存 · put right, photographed"}
    client.call("POST", f"{url}/rectification", report, role="unit", unit="tj-hexi")
    verdict = {
        "accepted": accepted,
        "note": "" if accepted else "清单缺少收费依据 · fees lack basis",
    }
    client.call("POST", f"{url}/verification", verdict, role="inspector")
