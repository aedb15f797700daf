"""Cases through the full chain (EQ-4.3), one-time notification (EQ-4.4b), extensions
(EQ-4.4c), agency assistance (EQ-4.4d), supervision (EQ-1.4), first inquiry (EQ-4.4a)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.registry.domain import cases, enquiries
from services.registry.domain.cases import Stage, Warning
from shared.errors import Invalid, RuleViolation, StateConflict
from shared.workdays import HallCalendar

CAL = HallCalendar()
NOW = datetime(2026, 3, 2, 1, tzinfo=UTC)
MONDAY = date(2026, 3, 2)


def accepted(**changes: Any) -> cases.Case:
    args: dict[str, Any] = {
        "window_id": 1,
        "unit_code": "tj-hexi",
        "matter_code": "permit",
        "matter_version": 1,
        "applicant": "Ms. Smith",
        "limit_days": 10,
        "extension_allowance": 10,
        "staff_id": "s-zhang",
        "now": NOW,
        "today": MONDAY,
        "calendar": CAL,
        **changes,
    }
    return cases.accept(**args)


def step(case: cases.Case, stage: Stage, day: date = MONDAY) -> cases.Case:
    return cases.advance(case, stage, "s-li", "", NOW, day, CAL)


def test_the_full_chain_in_order_with_staff_and_times() -> None:
    case = accepted()
    assert (case.stage, case.due_on) == (Stage.ACCEPTED, date(2026, 3, 16))
    for stage in cases.CHAIN[1:]:
        case = step(case, stage)
    assert case.done and [h.stage for h in case.history] == list(cases.CHAIN)
    assert all(h.staff_id and h.at for h in case.history)
    with pytest.raises(StateConflict) as again:  # 409: out of order
        step(case, Stage.DELIVERED)
    assert again.value.rule == "EQ-4.3"


def test_a_step_cannot_be_skipped() -> None:
    with pytest.raises(StateConflict) as skipped:
        step(accepted(), Stage.APPROVED)
    assert skipped.value.rule == "EQ-4.3"
    with pytest.raises(Invalid):
        cases.advance(accepted(), Stage.HANDLED, " ", "", NOW, MONDAY, CAL)  # who took it?


def test_a_refusal_needs_written_reasons() -> None:
    with pytest.raises(RuleViolation) as bare:
        cases.refuse(accepted(), "", "s-li", NOW, MONDAY)
    assert bare.value.rule == "EQ-4.3"
    refused = cases.refuse(accepted(), "the employer's licence has expired", "s-li", NOW, MONDAY)
    assert refused.stage is Stage.REFUSED and refused.done


def test_missing_materials_are_told_once_and_pause_the_clock() -> None:
    case = step(accepted(), Stage.HANDLED)
    asked = cases.request_supplement(
        case, ["passport copy", "degree certificate"], date(2026, 3, 6)
    )
    assert asked.paused and asked.supplement == ("passport copy", "degree certificate")
    with pytest.raises(StateConflict) as blocked:
        step(asked, Stage.REVIEWED)  # nothing moves while the applicant holds the case
    assert blocked.value.rule == "EQ-4.4b"
    resumed = cases.supplement_received(asked, date(2026, 3, 9), CAL)
    assert not resumed.paused and resumed.due_on == date(2026, 3, 17)  # one working day held
    with pytest.raises(RuleViolation) as second:
        cases.request_supplement(resumed, ["one more thing"], date(2026, 3, 10))
    assert second.value.rule == "EQ-4.4b"


def test_extensions_stay_within_the_allowance_with_a_reason() -> None:
    case = accepted(extension_allowance=10)
    with pytest.raises(RuleViolation) as silent:
        cases.extend(case, 5, " ", MONDAY, CAL)
    assert silent.value.rule == "EQ-4.4c"
    extended = cases.extend(case, 6, "expert review needed", MONDAY, CAL)
    assert CAL.workdays_between(case.due_on, extended.due_on) == 6
    with pytest.raises(RuleViolation) as beyond:
        cases.extend(extended, 5, "more", MONDAY, CAL)
    assert beyond.value.rule == "EQ-4.4c"
    with pytest.raises(RuleViolation):
        cases.extend(accepted(extension_allowance=0), 1, "not extendable", MONDAY, CAL)


def test_agency_assistance_is_recorded_with_the_staff_member() -> None:
    assert cases.assist(accepted(), "s-wang").assisted_by == "s-wang"


def test_yellow_then_red_then_nothing_once_done() -> None:
    case = accepted()  # due 2026-03-16
    assert cases.warning_level(case, date(2026, 3, 11), CAL) is Warning.NONE
    assert cases.warning_level(case, date(2026, 3, 12), CAL) is Warning.YELLOW  # 2 days left
    assert cases.warning_level(case, date(2026, 3, 16), CAL) is Warning.YELLOW
    assert cases.warning_level(case, date(2026, 3, 17), CAL) is Warning.RED
    assert cases.warning_level(case, date(2026, 3, 12), CAL, yellow_days=5) is Warning.YELLOW
    paused = cases.request_supplement(case, ["x"], date(2026, 3, 10))
    assert cases.warning_level(paused, date(2026, 3, 20), CAL) is Warning.NONE
    done = cases.refuse(case, "not eligible at all", "s", NOW, MONDAY)
    assert cases.warning_level(done, date(2026, 4, 20), CAL) is Warning.NONE


def test_a_step_that_overruns_its_share_is_flagged() -> None:
    case = accepted()  # handling may take 40% of 10 working days
    assert case.stage_due_on == date(2026, 3, 6)
    assert not cases.stage_overran(case, date(2026, 3, 6))
    assert cases.stage_overran(case, date(2026, 3, 9))
    handled = step(case, Stage.HANDLED, date(2026, 3, 4))
    assert handled.stage_due_on == date(2026, 3, 6) and not handled.stage_overrun


def test_the_first_staff_member_asked_owns_the_enquiry() -> None:
    with pytest.raises(RuleViolation) as nobody:
        enquiries.open_enquiry(1, "tj-hexi", "Which documents for a renewal?", "", NOW)
    assert nobody.value.rule == "EQ-4.4a"
    enquiry = enquiries.open_enquiry(1, "tj-hexi", "Which documents for a renewal?", "s-zhang", NOW)
    with pytest.raises(RuleViolation) as grabbed:
        enquiries.answer(enquiry, "s-li", "passport", NOW)
    assert grabbed.value.rule == "EQ-4.4a"
    with pytest.raises(RuleViolation):
        enquiries.hand_over(enquiry, "s-zhang", "s-li", "", NOW)
    handed = enquiries.hand_over(enquiry, "s-zhang", "s-li", "permit specialist", NOW)
    assert handed.owner == "s-li" and handed.handovers[0].from_staff == "s-zhang"
    closed = enquiries.answer(handed, "s-li", "passport and the old permit", NOW)
    assert closed.closed_at == NOW


def test_a_new_due_date_clears_the_warning_for_the_next_sweep() -> None:
    from dataclasses import replace

    red = replace(accepted(), warning=Warning.RED)
    assert cases.extend(red, 2, "expert opinion", MONDAY, CAL).warning is Warning.NONE
    asked = cases.request_supplement(red, ["passport"], MONDAY)
    assert cases.supplement_received(asked, date(2026, 3, 3), CAL).warning is Warning.NONE
