"""A and B (EQ-3.2.5) across processes: A reports an absence for the next working day, the chief
representative is asked in their own inbox and approves, and notification tells B in person
that B covers, over RabbitMQ: in B's own inbox and in B's own mailbox (a real SMTP server), at
the address B's unit gave for B."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest

from shared import clock
from shared.workdays import HallCalendar
from tests import builders
from tests.e2e.conftest import Cluster
from tests.e2e.test_window_lifecycle import Api
from tests.mailbox import Mailbox
from tests.staffing.builders import id_number
from tests.support import bearer, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
UNIT_CODE = "e2e-ab-unit"
UNIT = bearer("unit", UNIT_CODE)
MATTER = "e2e-ab-permit"


def published_window(api: Api) -> dict[str, Any]:
    api.call(
        "POST",
        "/registry/api/v1/units",
        {"code": UNIT_CODE, "name": "河东区政务服务中心", "district": "河东区"},
        status=201,
    )
    hall = {"name_zh": "大厅", "name_en": "Hall", "address": "友谊路", "hours": "9–17"}
    api.call(
        "POST",
        "/registry/api/v1/halls",
        {**hall, "code": "e2e-ab-hall", "phone": "022"},
        status=201,
    )
    api.call("POST", "/registry/api/v1/matters", {**builders.MATTER, "code": MATTER}, status=201)
    window = api.call(
        "POST",
        "/registry/api/v1/windows",
        {
            "hall_code": "e2e-ab-hall",
            "name_zh": "河东窗口",
            "name_en": "Hedong window",
            "type": "permanent",
            "evidence": builders.EVIDENCE,
            "details": builders.DETAILS,
        },
        headers=UNIT,
        status=201,
    )
    for step, body, status in _procedure():
        api.call("POST", f"/registry/api/v1/windows/{window['id']}/{step}", body, status=status)
    return window  # type: ignore[no-any-return]


def _procedure() -> list[tuple[str, dict[str, Any] | None, int]]:
    return [
        (
            "inspection",
            {
                "inspected_on": clock.today().isoformat(),
                "inspectors": ["王", "李"],
                "findings": "ok",
                "passed": True,
            },
            200,
        ),
        (
            "review",
            {
                "held_on": clock.today().isoformat(),
                "participants": ["市科技局"],
                "experts": ["张"],
                "opinion": "agreed",
                "passed": True,
            },
            200,
        ),
        ("letter", {"number": "津科函〔2026〕9号", "issued_on": clock.today().isoformat()}, 200),
        (
            "agreement",
            {
                "matters": [MATTER],
                "duties": "d",
                "rights": "r",
                "requirements": "q",
                "starts_on": clock.today().isoformat(),
            },
            201,
        ),
        ("publication", None, 200),
    ]


def register(api: Api, name: str, birth: date) -> dict[str, Any]:
    body = {
        "name": name,
        "id_number": id_number(birth),
        "phone": "13812345678",
        "birth_date": birth.isoformat(),
        "employment": "civil_servant",
        "law_enforcement_cert": "津执法 120000999",
        "work_started_on": "2012-07-01",
        "knows_approval_work": True,
    }
    return api.call("POST", "/staffing/api/v1/staff", body, headers=UNIT, status=201)  # type: ignore[no-any-return]


def inbox(api: Api, staff_id: str, event: str) -> list[str]:
    """The titles in one staff member's own inbox, as their unit reads it."""
    query = urlencode({"recipient": f"staff:{UNIT_CODE}:{staff_id}", "limit": 200})
    notices = api.call("GET", f"/notification/api/v1/notices?{query}", headers=UNIT)["items"]
    return [
        n["title"] for n in notices if n["event_type"] == f"govhall.staffing.absence.{event}.v1"
    ]


def test_b_is_told_to_cover_when_a_is_away(cluster: Cluster, mailbox: Mailbox) -> None:
    api = Api(cluster)
    window = published_window(api)
    post = {"window_id": window["id"], "name": "受理 Acceptance"}
    seat = wait_for(
        lambda: api.call("POST", "/staffing/api/v1/posts", post, headers=UNIT, status=201),
        timeout=20,
        interval=0.2,
    )  # staffing has learned of the window once it takes a post for it
    a, b, chief = (
        register(api, name, date(1987, 3, day))
        for name, day in (("孙悦", 11), ("马超", 12), ("朱琳", 13))
    )
    # B's unit gives B's own address (the center need not): B is mailed in person.
    address = {"address": "ma.chao@e2e.test", "language": "zh"}
    b_key = f"staff:{UNIT_CODE}:{b['id']}"
    given = api.call("PUT", f"/notification/api/v1/email/addresses/{b_key}", address, headers=UNIT)
    assert (given["inbox_key"], given["source"]) == (b_key, "unit")
    for member, role in ((a, "A"), (b, "B")):
        api.call(
            "POST",
            f"/staffing/api/v1/posts/{seat['id']}/assignments",
            {"staff_id": member["id"], "role": role},
            headers=UNIT,
            status=201,
        )
    api.call(
        "PUT",
        f"/staffing/api/v1/chief-representatives/{UNIT_CODE}",
        {"staff_id": chief["id"]},
        headers=UNIT,
        status=201,
    )
    next_workday = HallCalendar().add_workdays(clock.today(), 1).isoformat()
    absence = api.call(
        "POST",
        "/staffing/api/v1/absences",
        {"staff_id": a["id"], "starts_on": next_workday, "ends_on": next_workday, "reason": "病假"},
        headers=UNIT,
        status=201,
    )
    assert absence["late"] is False
    # The chief representative is asked, in their own inbox.
    [asked] = wait_for(lambda: inbox(api, chief["id"], "reported"), timeout=20, interval=0.2)
    assert asked.startswith("请假待审批：孙悦") and next_workday in asked
    approved = api.call(
        "POST",
        f"/staffing/api/v1/absences/{absence['id']}/approval",
        {"chief_staff_id": chief["id"]},
        headers=UNIT,
    )
    assert approved["cover_staff_id"] == b["id"]

    # B's own inbox: B covers for A.
    [title] = wait_for(lambda: inbox(api, b["id"], "approved"), timeout=20, interval=0.2)
    assert "马超 顶岗 孙悦" in title and next_workday in title
    assert inbox(api, chief["id"], "approved") == []  # the chief decided; B is the one told

    # B's own mailbox gets it too, from the worker's delivery sweep over real SMTP.
    [mail] = wait_for(lambda: mailbox.to(address["address"]), timeout=30, interval=0.5)
    assert mail["From"] == "hall@e2e"
    assert "马超" in mail["Subject"] and "孙悦" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert next_workday in text and b["id"] in text
    mailed = api.call("GET", "/notification/api/v1/email/deliveries", headers=UNIT)["items"]
    assert (b_key, "sent") in {(d["recipient"], d["status"]) for d in mailed}
