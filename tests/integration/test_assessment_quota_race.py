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

from services.staffing.domain import assessment_grades as grade_rules
from services.staffing.handlers import assessment_appeals as appeals
from services.staffing.handlers import assessment_grades as grading
from shared.errors import RuleViolation
from shared.service import ServiceRuntime
from tests.integration.staffing_seeds import HALL, YEAR, cycle_with_two_appeals

pytestmark = pytest.mark.integration


def _finalised_cycle_of_five(rt: ServiceRuntime) -> list[int]:
    """Five assessed, one excellent place (floor(20% × 5)), nobody excellent yet; two appeals."""
    return cycle_with_two_appeals(rt, assessed=5, state="finalised", filed_on=date(YEAR + 1, 1, 5))


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
