"""The year's assessment, ready to calibrate (EQ-3.2.2a–d): training and attendance recorded
here, evaluations and complaints made through inspection's own API (the inspection demo, and two
upheld complaints below), the cycle opened and scored, one grade calibrated. The rest of the
cycle — hitting the 20% quota, finalising, appealing, the reports — is left for the newcomer to
try (docs/assessment.md walks through it)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from services.hall.demo import inspection_complaints
from shared import clock

if TYPE_CHECKING:
    from services.hall.demo.client import DemoClient


def load(client: DemoClient, staffing: dict[str, Any]) -> None:
    from services.hall.demo.client import settle

    rng = random.Random(2026)
    seats = staffing["seats"]
    for number, seat in enumerate(seats):
        _facts(client, seat, number, rng)
    settle(client.hall)
    year = clock.today().year
    url = "/staffing/api/v1/assessments"
    # Each hall has its own cycle and quota (EQ-3.2.2a–c); the biggest hall's gets a calibration.
    halls = Counter(seat["window"]["hall"]["code"] for seat in seats)
    for hall in sorted(halls):
        client.call("POST", f"{url}?hall={hall}", {"year": year}, role="center")
        client.call("POST", f"{url}/{year}/scoring?hall={hall}", role="center")
    first = min(halls, key=lambda hall: (-halls[hall], hall))
    listed = client.call("GET", f"{url}/{year}/staff?limit=200&hall={first}", role="center")
    competent = [
        r for r in listed["items"] if r["grade"] == "competent" and r["window_id"] is not None
    ]
    best = max(competent, key=lambda r: (float(r["total"]), r["staff_id"]))
    client.call(
        "PUT",
        f"{url}/{year}/staff/{best['staff_id']}/grade?hall={first}",
        {"grade": "excellent", "reason": "牵头窗口改革试点 · led the window reform pilot"},
        role="center",
    )


def _facts(client: DemoClient, seat: dict[str, Any], number: int, rng: random.Random) -> None:
    """Records a window A's training and attendance; one A in five was late once, and one is
    the hall's weakest: absent without leave for two weeks and complained about twice."""
    unit = seat["window"]["unit"]["code"]
    a = seat["a"]["id"]
    client.call(
        "POST",
        "/staffing/api/v1/trainings",
        {
            "staff_id": a,
            "course": "政务服务规范 · public service standards",
            "hours": rng.choice((8, 12, 16, 24)),
            "provider": "authority",
            "held_on": (clock.today() - timedelta(days=60)).isoformat(),
        },
        role="unit",
        unit=unit,
    )
    if number % 5 == 3:
        _attendance(client, unit, a, 30, "late", "地铁故障 · metro breakdown")
    if number == 3:  # proposed incompetent (EQ-3.2.2d)
        for days in range(40, 56):
            _attendance(client, unit, a, days, "absent_unapproved", "未请假 · no leave asked")
        for account in (
            "材料被退回三次，每次只说一项 · materials sent back three times",
            "预约时间到了窗口无人 · nobody at the window at the booked time",
        ):
            inspection_complaints.uphold(
                client, seat["window"], account, "经核实属实 · verified on the case record"
            )


def _attendance(
    client: DemoClient, unit: str, staff_id: str, days_ago: int, status: str, note: str
) -> None:
    day = clock.today() - timedelta(days=days_ago)
    client.call(
        "PUT",
        f"/staffing/api/v1/attendance/{staff_id}/{day.isoformat()}",
        {"status": status, "note": note},
        role="unit",
        unit=unit,
    )
