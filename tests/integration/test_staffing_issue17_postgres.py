"""Issue 17's staffing points on PostgreSQL (sta0010 applied by the owner role, run as the
runtime role): a small cycle's quota exception (LR-SMALL-QUOTA) holds an appeal to it, and the
log of every seal filters by unit and by the hall's calendar day on timezone-aware columns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import insert

from services.staffing.adapters import tables
from services.staffing.handlers import assessment_appeals as appeals
from services.staffing.handlers import seals
from shared.errors import RuleViolation
from shared.service import ServiceRuntime
from shared.sqltypes import utcnow
from tests.integration.staffing_seeds import HALL, YEAR, cycle_with_two_appeals, member

pytestmark = pytest.mark.integration


def _scored_cycle_of_three(rt: ServiceRuntime) -> list[int]:
    """Three assessed, competent all, floor(20% × 3) = 0 places; two pending appeals."""
    return cycle_with_two_appeals(
        rt, assessed=3, state="scored", filed_on=date(YEAR, 12, 20), window=True
    )


def test_a_small_cycle_s_exception_admits_one_appeal_to_excellent(
    runtime: Callable[..., ServiceRuntime],
) -> None:
    rt = runtime("staffing")
    first, second = _scored_cycle_of_three(rt)
    with pytest.raises(RuleViolation) as none_yet:
        appeals.decide(rt.uow(actor="center"), first, "excellent", "upheld")
    assert none_yet.value.rule == "EQ-3.2.2c"
    granted = appeals.cycle.grant_quota_exception(
        rt.uow(actor="authority:a-1"), HALL, YEAR, "a three-person unit"
    )
    assert (granted["quota"], granted["quota_exception_by"]) == (1, "authority:a-1")
    appeals.decide(rt.uow(actor="center"), first, "excellent", "upheld")
    with pytest.raises(RuleViolation):
        appeals.decide(rt.uow(actor="center"), second, "excellent", "upheld too")


def test_every_seal_s_misuses_by_unit_and_hall_day(runtime: Callable[..., ServiceRuntime]) -> None:
    rt = runtime("staffing")
    with rt.uow(actor="test") as uow:
        run = uow.session.execute
        run(insert(tables.staff), [member(s) for s in ("s-0001", "s-0002", "s-0003", "s-0004")])
        for n, (unit, a, b) in enumerate(
            (("tj-hexi", "s-0001", "s-0002"), ("tj-nankai", "s-0003", "s-0004"))
        ):
            seal = {
                "id": n + 1,
                "unit_code": unit,
                "name": unit,
                "custodian_a": a,
                "custodian_b": b,
                "registered_at": utcnow(),
            }
            run(insert(tables.seals).values(seal))

        def use(seal_id: int, at: datetime, allowed: bool) -> dict[str, Any]:
            return {
                "seal_id": seal_id,
                "case_number": "C-1",
                "purpose": "approval" if allowed else "contract",
                "description": "",
                "staff_id": "s-0001",
                "used_at": at,
                "allowed": allowed,
                "refusal": None if allowed else "not_approval",
            }

        # 16:30 UTC on the 1st is 00:30 on the 2nd in the hall (Asia/Shanghai).
        late = datetime(YEAR, 3, 1, 16, 30, tzinfo=UTC)
        early = datetime(YEAR, 3, 1, 15, 30, tzinfo=UTC)
        run(
            insert(tables.seal_uses),
            [use(1, early, False), use(1, late, False), use(2, late, False), use(2, late, True)],
        )
        uow.commit()

    def listed(unit: str | None = None, **filters: Any) -> list[tuple[str, str]]:
        rows = seals.all_uses(rt.uow(), unit, {"allowed": False, **filters}, None, 50)
        return [(r["unit_code"], r["used_at"].astimezone(UTC).strftime("%H:%M")) for r in rows]

    assert len(listed()) == 3
    second = {"start": date(YEAR, 3, 2), "end": date(YEAR, 3, 2)}
    assert listed(**second) == [("tj-nankai", "16:30"), ("tj-hexi", "16:30")]
    assert listed(start=date(YEAR, 3, 1), end=date(YEAR, 3, 1)) == [("tj-hexi", "15:30")]
    assert listed(unit_code="tj-nankai") == [("tj-nankai", "16:30")]
    assert listed("tj-hexi", unit_code="tj-nankai") == []
