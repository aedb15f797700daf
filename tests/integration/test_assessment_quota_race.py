"""The excellent quota (EQ-3.2.2c) under concurrency on PostgreSQL: two appeals decided at the
same moment, each raising a different person to excellent with room for only one, never both
stand. Each decision waits (briefly) for the other after counting the grades, so without the
cycle's row lock both would count the same free place."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import insert

from services.staffing.adapters import tables
from services.staffing.domain import assessment_grades as grade_rules
from services.staffing.handlers import assessment_appeals as appeals
from services.staffing.handlers import assessment_grades as grading
from shared.db import utcnow
from shared.errors import RuleViolation
from shared.service import ServiceRuntime

pytestmark = pytest.mark.integration
YEAR = 2025
HALL = "tj-hall"  # each hall has its own cycle (EQ-3.2.2a)


def _member(staff_id: str) -> dict[str, Any]:
    return {
        "id": staff_id,
        "unit_code": "tj-hexi",
        "name": f"Staff {staff_id}",
        "id_number": f"12010119900101{staff_id[-4:]}",
        "phone": "13800000000",
        "birth_date": date(1990, 1, 1),
        "employment": "civil_servant",
        "law_enforcement_cert": "津执法 001",
        "work_started_on": date(2015, 1, 1),
        "knows_approval_work": True,
        "age_exception_reason": "",
        "status": "active",
        "registered_at": utcnow(),
        "version": 1,
    }


def _finalised_cycle_of_five(rt: ServiceRuntime) -> list[int]:
    """Five assessed, one excellent place (floor(20% × 5)), nobody excellent yet; two appeals."""
    people = [f"s-{n:04d}" for n in range(1, 6)]
    with rt.uow(actor="test") as uow:
        run = uow.session.execute
        run(insert(tables.staff), [_member(s) for s in people])
        run(
            insert(tables.assessment_cycles).values(
                hall_code=HALL,
                year=YEAR,
                state="finalised",
                scheme_version=1,
                window_weight_bp=500,
                appeal_days=15,
                opened_by="center",
                opened_at=utcnow(),
                finalised_on=date(YEAR, 12, 31),
                finalised_by="center",
            )
        )
        results = [
            {
                "hall_code": HALL,
                "year": YEAR,
                "staff_id": s,
                "unit_code": "tj-hexi",
                "served_days": 365,
                "year_days": 365,
                "grade": "competent",
                "proposed_grade": "competent",
            }
            for s in people
        ]
        run(insert(tables.assessment_results), results)
        ids = []
        for staff_id in people[:2]:
            appeal = {
                "hall_code": HALL,
                "year": YEAR,
                "staff_id": staff_id,
                "unit_code": "tj-hexi",
                "reason": "the year was better than scored",
                "filed_on": date(YEAR + 1, 1, 5),
                "filed_by": "unit:tj-hexi",
                "status": "pending",
                "decision_note": "",
            }
            ids.append(
                run(insert(tables.assessment_appeals).values(appeal)).inserted_primary_key[0]
            )
        uow.commit()
    return ids


def test_two_appeals_never_both_take_the_last_excellent_place(
    runtime: Callable[..., ServiceRuntime], monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = runtime("staffing")
    first, second = _finalised_cycle_of_five(rt)
    both_counted = threading.Barrier(2, timeout=2)
    decide_appeal = grade_rules.decide_appeal

    def counted_then_wait(*args: Any, **kwargs: Any) -> Any:
        # With the lock the other decision cannot get here: the wait times out.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait()
        return decide_appeal(*args, **kwargs)

    monkeypatch.setattr(grade_rules, "decide_appeal", counted_then_wait)
    outcomes: dict[int, str] = {}

    def decide(appeal_id: int) -> None:
        try:
            appeals.decide(rt.uow(actor="center"), appeal_id, "excellent", "upheld on review")
            outcomes[appeal_id] = "upheld"
        except RuleViolation as refusal:
            outcomes[appeal_id] = refusal.rule or "refused"

    threads = [threading.Thread(target=decide, args=(a,)) for a in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes.values()) == ["EQ-3.2.2c", "upheld"]
    with rt.uow() as uow:
        grades = grading.all_grades(uow, HALL, YEAR)
    assert sum(grade.value == "excellent" for grade in grades.values()) == 1
