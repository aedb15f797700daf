"""Window setup (TJ-4, TJ-5), types (EQ-2.2) and life (TJ-7.6, TJ-8.2), as plain rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.registry.domain import agreements, window_life, windows
from services.registry.domain.windows import Evidence, Window, WindowState, WindowType
from shared.errors import RuleViolation, StateConflict

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
APPLIED_ON = date(2026, 11, 22)  # NOW in the hall
TODAY = date(2026, 12, 1)
EVIDENCE = Evidence(
    "3,000 employers", "2 civil servants", "budget 2026-17", "2 PCs", "district letter 12"
)
DETAILS = {name: f"{name} text" for name in (*windows.PUBLIC_DETAILS, *windows.STANDARDS)}
INSPECTION = {
    "inspected_on": "2026-11-23",
    "inspectors": ["A", "B"],
    "findings": "ok",
    "passed": True,
}
REVIEW = {
    "held_on": "2026-11-24",
    "experts": ["Prof. Zhang"],
    "participants": ["S&T"],
    "opinion": "ok",
    "passed": True,
}
LETTER = {"number": "88", "issued_on": "2026-11-25"}


def inspect(window: Window, record: dict[str, Any] = INSPECTION) -> Window:
    return windows.record_inspection(window, record, today=TODAY, applied_on=APPLIED_ON)


def review(window: Window, record: dict[str, Any] = REVIEW) -> Window:
    return windows.record_review(window, record, today=TODAY)


def letter(window: Window, record: dict[str, Any] = LETTER) -> Window:
    return windows.issue_letter(window, record, today=TODAY)


def application(**changes: Any) -> Window:
    args: dict[str, Any] = {
        "unit_code": "tj-hexi",
        "hall_code": "tj",
        "name_zh": "窗口",
        "name_en": "Window",
        "type": WindowType.PERMANENT,
        "evidence": EVIDENCE,
        "co_units": [],
        "seasonal_months": [],
        "violations": 0,
        "now": NOW,
        "today": APPLIED_ON,
        **changes,
    }
    return replace(windows.apply(**args), id=1)


def agreement() -> agreements.Agreement:
    return agreements.sign(
        1,
        ["permit"],
        duties="d",
        rights="r",
        requirements="q",
        starts_on=date(2026, 11, 1),
        today=TODAY,
    )


def through(step: str, window: Window | None = None) -> Window:
    window = window or application()
    plan = [
        ("inspection", inspect),
        ("review", review),
        ("letter", letter),
        ("agreement", lambda w: windows.agreement_signed(w, agreement(), TODAY)),
        ("publication", lambda w: windows.publish(replace(w, details=DETAILS), date(2026, 11, 2))),
    ]
    for name, take in plan:
        window = take(window)
        if name == step:
            return window
    raise AssertionError(step)


def _rule(refusal: pytest.ExceptionInfo[RuleViolation]) -> str | None:
    return refusal.value.rule


@pytest.mark.parametrize(
    ("evidence", "rule"),
    [
        ("demand", "TJ-4.1"),
        ("staffing", "TJ-4.2"),
        ("funding", "TJ-4.2"),
        ("equipment", "TJ-4.2"),
        ("district_consent", "TJ-4.2"),
    ],
)
def test_each_setup_condition_needs_evidence(evidence: str, rule: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        application(evidence=replace(EVIDENCE, **{evidence: "  "}))
    assert _rule(refused) == rule
    assert f"evidence.{evidence}" in refused.value.errors


def test_a_unit_with_a_recorded_violation_may_not_apply() -> None:
    with pytest.raises(RuleViolation) as refused:
        application(violations=1)
    assert _rule(refused) == "TJ-4.3"
    assert application(violations=0).state is WindowState.APPLIED  # TJ-5.1


def test_steps_follow_in_order_and_once_each() -> None:
    applied = application()
    with pytest.raises(StateConflict) as skipped:  # 409: out of order
        review(applied)  # review before the site inspection
    assert _rule(skipped) == "TJ-5.3"
    inspected = through("inspection")
    assert inspected.state is WindowState.INSPECTED
    with pytest.raises(StateConflict) as repeated:
        inspect(inspected)
    assert _rule(repeated) == "TJ-5.2"
    with pytest.raises(StateConflict) as early:
        letter(inspected)
    assert _rule(early) == "TJ-5.4"
    reviewed = through("review")
    with pytest.raises(StateConflict) as unsigned:
        windows.publish(reviewed, date(2026, 11, 2))
    assert _rule(unsigned) == "TJ-5.6"
    approved = through("letter")
    assert approved.state is WindowState.APPROVED
    with pytest.raises(StateConflict) as no_letter:
        windows.agreement_signed(inspected, agreement(), TODAY)
    assert _rule(no_letter) == "TJ-5.5"


def test_a_joint_inspection_has_two_inspectors_and_a_failed_one_rejects() -> None:
    with pytest.raises(RuleViolation) as alone:
        inspect(application(), {**INSPECTION, "inspectors": ["A"]})
    assert _rule(alone) == "TJ-5.2"
    failed = inspect(application(), {**INSPECTION, "passed": False})
    assert failed.state is WindowState.REJECTED


def test_the_review_hears_experts_and_a_failed_review_rejects() -> None:
    inspected = through("inspection")
    with pytest.raises(RuleViolation) as no_experts:
        review(inspected, {**REVIEW, "experts": []})
    assert _rule(no_experts) == "TJ-5.3"
    assert review(inspected, {**REVIEW, "passed": False}).state is WindowState.REJECTED


def test_publication_needs_contact_details_and_standards() -> None:
    agreed = through("agreement")
    with pytest.raises(RuleViolation) as bare:
        windows.publish(agreed, date(2026, 11, 2))
    assert _rule(bare) == "TJ-5.6" and "details.address" in bare.value.errors
    contact_only = {k: v for k, v in DETAILS.items() if k in windows.PUBLIC_DETAILS}
    with pytest.raises(RuleViolation) as no_standards:
        windows.publish(replace(agreed, details=contact_only), date(2026, 11, 2))
    assert _rule(no_standards) == "TJ-6.1"
    assert "details.complaint_channel" in no_standards.value.errors
    published = through("publication")
    assert published.state is WindowState.ACTIVE and published.takes_cases()
    with pytest.raises(RuleViolation) as blanked:
        windows.edit_details(published, {"emergency_plan": " "})
    assert _rule(blanked) == "TJ-6.1"


def test_a_comprehensive_window_is_shared_by_several_units() -> None:
    with pytest.raises(RuleViolation) as alone:
        application(type=WindowType.COMPREHENSIVE)
    assert _rule(alone) == "EQ-2.2b"
    with pytest.raises(RuleViolation) as shared_permanent:
        application(co_units=["eq-weather"])
    assert _rule(shared_permanent) == "EQ-2.2b"
    shared = application(type=WindowType.COMPREHENSIVE, co_units=["eq-weather", "eq-archives"])
    assert shared.serves("eq-weather") and shared.units == ("tj-hexi", "eq-weather", "eq-archives")


def test_reserved_windows_open_only_when_opened() -> None:
    emergency = through("publication", application(type=WindowType.EMERGENCY))
    assert emergency.state is WindowState.ACTIVE and not emergency.takes_cases()  # EQ-2.2c
    with pytest.raises(RuleViolation) as no_reason:
        window_life.open_window(emergency, "")
    assert _rule(no_reason) == "EQ-2.2c"
    opened = window_life.open_window(emergency, "surge after the holiday")
    assert opened.takes_cases()
    assert not window_life.close_window(opened, "surge over").takes_cases()
    permanent = through("publication")  # EQ-2.2a: open whenever active
    with pytest.raises(RuleViolation):
        window_life.close_window(permanent, "lunch")


def test_seasonal_windows_follow_their_months() -> None:
    with pytest.raises(RuleViolation) as no_months:
        application(type=WindowType.SEASONAL)
    assert _rule(no_months) == "EQ-2.2d"
    with pytest.raises(RuleViolation):
        application(type=WindowType.SEASONAL, seasonal_months=[13])
    enrolment = through(
        "publication", application(type=WindowType.SEASONAL, seasonal_months=[7, 8])
    )
    assert not enrolment.is_open
    assert window_life.seasonal_change(enrolment, date(2027, 7, 1)) is True
    opened = window_life.open_window(enrolment, "season")
    assert window_life.seasonal_change(opened, date(2027, 8, 31)) is None
    assert window_life.seasonal_change(opened, date(2027, 9, 1)) is False


def test_sanctions_suspend_reinstate_and_terminate() -> None:
    active = through("publication")
    sanction = {"sanction_id": 7, "basis": "TJ-8.2", "reason": "complaints"}
    suspended = window_life.suspend(active, sanction)
    assert suspended is not None and suspended.state is WindowState.SUSPENDED
    assert not suspended.takes_cases()
    assert window_life.suspend(suspended, sanction) is None  # a redelivery changes nothing
    reinstated = window_life.reinstate(suspended, {"sanction_id": 7})
    assert reinstated is not None and reinstated.takes_cases()
    terminated = window_life.terminate(suspended, sanction)
    assert terminated is not None and terminated.state is WindowState.TERMINATED
    assert window_life.reinstate(terminated, {}) is None
    assert window_life.suspend(application(), sanction) is None  # not published: no effect


def test_revocation_needs_the_units_application_then_consent() -> None:
    active = through("publication")
    with pytest.raises(StateConflict) as unasked:
        window_life.consent_to_revocation(active, {"consented_on": "2026-12-01"}, TODAY)
    assert _rule(unasked) == "TJ-7.6"
    with pytest.raises(RuleViolation) as no_reason:
        window_life.request_revocation(active, " ", TODAY)
    assert _rule(no_reason) == "TJ-7.6"
    requested = window_life.request_revocation(active, "too little volume: 3 cases in 2026", TODAY)
    with pytest.raises(StateConflict):
        window_life.request_revocation(requested, "again", TODAY)
    revoked = window_life.consent_to_revocation(requested, {"consented_on": "2026-12-01"}, TODAY)
    assert revoked.state is WindowState.REVOKED and not revoked.takes_cases()
    with pytest.raises(StateConflict):
        window_life.request_revocation(application(), "never published", TODAY)


def test_a_window_takes_cases_only_for_delegated_matters_while_open() -> None:
    active = through("publication")
    signed = agreement()
    in_force = date(2027, 1, 4)
    window_life.check_accepts(active, signed, "permit", in_force)
    refusals = [
        (active, signed, "household", in_force, "TJ-2.1"),
        (active, None, "permit", in_force, "TJ-5.5"),
        (active, signed, "permit", date(2029, 11, 1), "TJ-5.5"),  # expired
        (replace(active, state=WindowState.SUSPENDED), signed, "permit", in_force, "TJ-8.2"),
        (through("agreement"), signed, "permit", in_force, "TJ-5.6"),
        (replace(active, is_open=False), signed, "permit", in_force, "EQ-2.2c"),
    ]
    for window, agreed, matter, day, rule in refusals:
        with pytest.raises(RuleViolation) as refused:
            window_life.check_accepts(window, agreed, matter, day)
        assert refused.value.rule == rule


def test_each_step_is_dated_after_the_one_before_and_not_after_today() -> None:
    applied = application()
    for bad, field_ in (("2031-01-01", "inspected_on"), ("2026-11-21", "inspected_on")):
        with pytest.raises(RuleViolation) as refused:
            inspect(applied, {**INSPECTION, "inspected_on": bad})
        assert _rule(refused) == "TJ-5.2" and list(refused.value.errors) == [field_]
    assert inspect(applied, {**INSPECTION, "inspected_on": "2026-11-22"}).state is (
        WindowState.INSPECTED
    )  # the day of the application itself
    inspected = through("inspection")
    with pytest.raises(RuleViolation) as before_inspection:
        review(inspected, {**REVIEW, "held_on": "2026-11-22"})
    assert _rule(before_inspection) == "TJ-5.3"
    with pytest.raises(RuleViolation) as ahead:
        review(inspected, {**REVIEW, "held_on": "2026-12-02"})
    assert _rule(ahead) == "TJ-5.3" and list(ahead.value.errors) == ["held_on"]
    reviewed = through("review")
    with pytest.raises(RuleViolation) as before_review:
        letter(reviewed, {**LETTER, "issued_on": "2026-11-23"})
    assert _rule(before_review) == "TJ-5.4" and list(before_review.value.errors) == ["issued_on"]
    agreed = through("agreement")
    assert agreed.records["agreement"]["signed_on"] == TODAY.isoformat()


def test_revocation_consent_follows_the_request() -> None:
    requested = window_life.request_revocation(
        through("publication"), "too little volume", date(2026, 11, 30)
    )
    assert requested.records["revocation_request"] == {"on": "2026-11-30"}
    for bad in ("2026-11-29", "2026-12-02"):
        with pytest.raises(RuleViolation) as refused:
            window_life.consent_to_revocation(requested, {"consented_on": bad}, TODAY)
        assert _rule(refused) == "TJ-7.6" and list(refused.value.errors) == ["consented_on"]
    consented = window_life.consent_to_revocation(requested, {"consented_on": "2026-11-30"}, TODAY)
    assert consented.state is WindowState.REVOKED
