"""Local rules as data and what they propose (issue 8 points 3, 4, 8), and accountability with
the district (point 6, TJ-8.3): the default rules with one threshold changed by the authority
(a new version, the old kept), a serious finding the rules turn into an open suspension proposal
for the authority to decide, and a buck-passing case concluded against a staff member. Loaded
after the other inspection demo parts: it builds on their upheld complaints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.hall.demo.client import DemoClient

RULES = "/inspection/api/v1/local-rules"
CASES = "/inspection/api/v1/accountability-cases"


def load(client: DemoClient) -> None:
    client.call("GET", RULES, role="inspector")
    change = {
        "params": {"days": 60},
        "note": "区里要求看两个月 · the districts asked for a two-month view of complaints",
    }
    client.call("PATCH", f"{RULES}/LR-COMPLAINTS-30D", change)
    windows = [w for w in _windows(client) if w["state"] == "active"]
    if windows:
        _serious_finding(client, windows[-1])
    client.call("POST", f"{RULES}/evaluation")
    complaint = _upheld_misconduct(client)
    if complaint is not None:
        _accountability(client, complaint)


def _windows(client: DemoClient) -> list[dict[str, Any]]:
    return list(client.call("GET", "/registry/api/v1/directory?limit=200", role="center")["items"])


def _serious_finding(client: DemoClient, window: dict[str, Any]) -> None:
    body = {
        "window_id": window["id"],
        "severity": "serious",
        "rule": "TJ-6.2",
        "summary": "窗口代收中介费用 · the window collected an agent's fee for a delegated permit",
        "rectification": "退还费用并公示收费依据 · refund and post the legal basis of every fee",
        "source": "other",
    }
    client.call("POST", "/inspection/api/v1/findings", body, role="inspector")


def _upheld_misconduct(client: DemoClient) -> dict[str, Any] | None:
    listed = client.call("GET", "/inspection/api/v1/complaints?status=upheld", role="center")
    return next(
        (c for c in listed["items"] if c["misconduct"] and c["staff_id"]),
        None,
    )


def _accountability(client: DemoClient, complaint: dict[str, Any]) -> None:
    body = {
        "staff_id": complaint["staff_id"],
        "kind": complaint["misconduct"],
        "complaints": [complaint["id"]],
        "findings": [],
        "summary": "让申请人往返人社局三趟 · sent the applicant to and fro three times",
        "district_office": "区纪委监委第三监督检查室 · district discipline commission, office 3",
        "district_contact": "陈主任 · Director Chen, 022-2800 0000",
    }
    case = client.call("POST", CASES, body)
    opinion = {
        "opinion": "事实清楚，建议予以警告 · the facts are clear; a warning is proposed",
        "given_by": "区纪委监委 陈主任 · Director Chen",
    }
    client.call("POST", f"{CASES}/{case['id']}/district-opinion", opinion)
    outcome = {
        "outcome": "warning",
        "reasons": "推诿扯皮属实，与区纪委共同决定警告 · buck-passing established; a warning, "
        "decided with the district (TJ-8.3)",
    }
    client.call("POST", f"{CASES}/{case['id']}/conclusion", outcome)
