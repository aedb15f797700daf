"""Complaints from the public (issue 7 point 6): one upheld against a staff member for
buck-passing (TJ-8.3), one dismissed with the reasons its complainant sees, and one anonymous
report still waiting for a handler, to try the handling and the privacy rules on (point 8: the
center sees names and phones and each read is logged; the authority sees them masked)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.hall.demo.client import DemoClient

COMPLAINTS = "/inspection/api/v1/complaints"


def load(client: DemoClient) -> None:
    windows = _open_windows(client)
    if not windows:
        raise RuntimeError("demo complaints: no open window in the directory")
    first, second = windows[0], windows[min(1, len(windows) - 1)]
    upheld = _complain(
        client,
        first,
        misconduct="buck_passing",
        account=(
            "办理工作许可延期，窗口让我先去人社局盖章，人社局又让我回窗口，来回跑了三趟 · "
            "For a permit extension the window sent me to the HR bureau for a stamp and the "
            "bureau sent me back: three trips"
        ),
        complainant_name="刘洋",
        complainant_phone="139 2000 1234",
    )
    _assign(client, upheld, "督查科 王明 · supervision office, Wang Ming")
    _decide(
        client,
        upheld,
        "upheld",
        "经调取窗口录像和办件记录核实，未执行一次性告知，属推诿扯皮，已转区里问责 · "
        "Verified on the video and the case record: no one-time notification, buck-passing "
        "(TJ-8.3); referred to the district for accountability",
    )
    dismissed = _complain(
        client,
        second,
        misconduct="soliciting_favours",
        account=("工作人员暗示加急要收费 · the clerk hinted that a fast track would cost extra"),
        complainant_name="Anna Müller",
        complainant_phone="022-2345 6789",
    )
    _decide(
        client,
        dismissed,
        "dismissed",
        "核实录像：工作人员说明的是邮寄送达的快递费，由快递公司收取，与窗口无关 · The video shows "
        "the clerk explaining the courier's delivery fee, charged by the courier, not the window",
    )
    _complain(
        client,
        first,
        staff_id=None,
        misconduct=None,
        account=(
            "下午三点窗口无人，等了四十分钟 · nobody at the window at 15:00, waited 40 minutes"
        ),
        complainant_name=None,
        complainant_phone=None,
    )


def _open_windows(client: DemoClient) -> list[dict[str, Any]]:
    listed = client.call("GET", "/registry/api/v1/directory?limit=200", role="center")["items"]
    return [w for w in listed if w["state"] == "active" and w["is_open"]]


def _staff_at(client: DemoClient, window: dict[str, Any]) -> str | None:
    posts = client.call("GET", f"/staffing/api/v1/cover?window_id={window['id']}", role="center")
    return next((post["a"] for post in posts if post.get("a")), None)


def _complain(client: DemoClient, window: dict[str, Any], **body: Any) -> dict[str, Any]:
    """As the public does: without a token. Inspection may still be taking in the window's
    events, so a refusal naming the window is tried again for a while."""
    payload = {"window_id": window["id"], "staff_id": _staff_at(client, window), **body}
    deadline = time.monotonic() + 15
    while True:
        response = client.client.post(COMPLAINTS, json=payload)
        if response.status_code == 201:
            return dict(response.json or {})
        if response.status_code != 422 or time.monotonic() > deadline:
            raise RuntimeError(
                f"demo complaint: {response.status_code} {response.get_data(as_text=True)}"
            )
        time.sleep(0.2)


def _assign(client: DemoClient, complaint: dict[str, Any], handler: str) -> None:
    url = f"{COMPLAINTS}/{complaint['id']}/assignment"
    client.call("POST", url, {"handler": handler}, role="center")


def _decide(client: DemoClient, complaint: dict[str, Any], outcome: str, reasons: str) -> None:
    url = f"{COMPLAINTS}/{complaint['id']}/verification"
    client.call("POST", url, {"outcome": outcome, "reasons": reasons}, role="inspector")


def uphold(client: DemoClient, window: dict[str, Any], account: str, reasons: str) -> None:
    """A complaint about the window's A, upheld: for the assessment demo's weakest performer."""
    complaint = _complain(client, window, misconduct="buck_passing", account=account)
    _decide(client, complaint, "upheld", reasons)
