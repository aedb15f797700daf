"""The year's assessment, ready to calibrate (EQ-3.2.2a–d): training and attendance recorded,
evaluations and upheld complaints from inspection (stub events until inspection publishes them
itself, issue 7), the cycle opened and scored, one grade calibrated. The rest of the cycle —
hitting the 20% quota, finalising, appealing, the reports — is left for the newcomer to try
(docs/assessment.md walks through it)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from shared import clock
from shared.events import new_event

if TYPE_CHECKING:
    from shared.demo import DemoClient

LEVELS = {5: "very_satisfied", 4: "satisfied", 3: "basically_satisfied", 2: "dissatisfied"}


def load(client: DemoClient, staffing: dict[str, Any]) -> None:
    from shared.demo import _settle

    rng = random.Random(2026)
    seats = staffing["seats"]
    published = sum(_facts(client, seat, number, rng) for number, seat in enumerate(seats))
    _settle(client.hall)
    _taken_in(client, published)
    year = clock.today().year
    client.call("POST", "/staffing/api/v1/assessments", {"year": year}, role="center")
    client.call("POST", f"/staffing/api/v1/assessments/{year}/scoring", role="center")
    listed = client.call(
        "GET", f"/staffing/api/v1/assessments/{year}/staff?limit=200", role="center"
    )["items"]
    competent = [r for r in listed if r["grade"] == "competent" and r["window_id"] is not None]
    best = max(competent, key=lambda r: (float(r["total"]), r["staff_id"]))
    client.call(
        "PUT",
        f"/staffing/api/v1/assessments/{year}/staff/{best['staff_id']}/grade",
        {"grade": "excellent", "reason": "牵头窗口改革试点 · led the window reform pilot"},
        role="center",
    )


def _taken_in(client: DemoClient, published: int, timeout: float = 20.0) -> None:
    """Waits until staffing holds every stub event published (they bypass the outbox)."""
    import time

    from sqlalchemy import func, select

    db = client.hall.runtime("staffing").db
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session() as session:
            held = session.execute(
                select(func.count()).select_from(db.table("assessment_inputs"))
            ).scalar_one()
        if held >= published:
            return
        time.sleep(0.1)
    raise RuntimeError(f"staffing took in {held} of {published} inspection events")


def _facts(client: DemoClient, seat: dict[str, Any], number: int, rng: random.Random) -> int:
    """Records a window A's year and publishes inspection's facts; returns how many events."""
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
    scores = rng.choices((5, 5, 5, 4, 4, 3, 1), k=rng.randint(2, 6))
    for score in scores:
        _evaluation(client, seat, a, score, rng)
    published = len(scores)
    if number % 5 == 3:  # one window in five: a day late, a complaint upheld
        _attendance(client, unit, a, 30, "late", "地铁故障 · metro breakdown")
        _complaint(client, seat, number, 0)
        published += 1
    if number == 3:  # and one A who will be proposed incompetent (EQ-3.2.2d)
        for days in range(40, 52):
            _attendance(client, unit, a, days, "absent_unapproved", "未请假 · no leave asked")
        _complaint(client, seat, number, 1)
        _complaint(client, seat, number, 2)
        published += 2
    return published


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


def _complaint(client: DemoClient, seat: dict[str, Any], number: int, nth: int) -> None:
    _inspection(
        client,
        "complaint.upheld",
        {
            "complaint_id": 9000 + 10 * number + nth,
            "window_id": seat["window"]["id"],
            "unit_code": seat["window"]["unit"]["code"],
            "staff_id": seat["a"]["id"],
            "misconduct": "buck_passing",
            "summary": "让申请人往返两次 · sent the applicant away twice",
            "decided_at": clock.now() - timedelta(days=20 + nth),
        },
    )


def _evaluation(
    client: DemoClient, seat: dict[str, Any], staff_id: str, score: int, rng: random.Random
) -> None:
    _inspection(
        client,
        "evaluation.submitted",
        {
            "evaluation_id": rng.randint(10**6, 10**7),
            "window_id": seat["window"]["id"],
            "unit_code": seat["window"]["unit"]["code"],
            "staff_id": staff_id,
            "level": LEVELS.get(score, "very_dissatisfied"),
            "score": score,
            "source": "public",
            "submitted_at": clock.now() - timedelta(days=rng.randint(1, 150)),
        },
    )


def _inspection(client: DemoClient, name: str, data: dict[str, Any]) -> None:
    import services.inspection.contracts  # noqa: F401  (the contract the stub is checked by)

    event = new_event(
        source="/govhall/inspection",
        type=f"govhall.inspection.{name}.v1",
        subject=str(data["window_id"]),
        data=data,
    )
    client.publish(event.type, event.to_json())
