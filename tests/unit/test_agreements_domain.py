"""Delegation agreements (TJ-5.5, TJ-2.1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.registry.domain import agreements
from services.registry.domain.agreements import AgreementStatus, Assessment
from shared.errors import RuleViolation, StateConflict

DAY = date(2026, 1, 1)


def signed(starts_on: date = date(2026, 1, 1)) -> agreements.Agreement:
    return replace(
        agreements.sign(
            1,
            ["permit-long", "permit-short"],
            duties="d",
            rights="r",
            requirements="q",
            starts_on=starts_on,
            today=starts_on,
        ),
        id=5,
    )


def test_an_agreement_runs_three_years() -> None:
    agreement = signed()
    assert agreement.ends_on == date(2028, 12, 31)
    assert agreements.term_end(date(2028, 2, 29)) == date(2031, 2, 27)
    assert agreement.in_force_on(date(2028, 12, 31))
    assert not agreement.in_force_on(date(2029, 1, 1))


def test_a_window_handles_only_delegated_matters_while_in_force() -> None:
    agreement = signed()
    assert agreement.delegates("permit-long", date(2027, 6, 1))
    assert not agreement.delegates("household-registration", date(2027, 6, 1))  # TJ-2.1
    assert not agreement.delegates("permit-long", date(2025, 12, 31))
    assert not replace(agreement, status=AgreementStatus.EXPIRED).delegates(
        "permit-long", date(2027, 6, 1)
    )


def test_an_agreement_states_matters_and_terms() -> None:
    with pytest.raises(RuleViolation) as none:
        agreements.sign(1, [], duties="d", rights="r", requirements="q", starts_on=DAY, today=DAY)
    assert none.value.rule == "TJ-2.1"
    with pytest.raises(RuleViolation) as no_duties:
        agreements.sign(
            1, ["m"], duties=" ", rights="r", requirements="q", starts_on=DAY, today=DAY
        )
    assert no_duties.value.rule == "TJ-5.5"


def test_renewal_needs_a_passed_assessment_at_expiry() -> None:
    agreement = signed()
    near_expiry = date(2028, 11, 15)
    with pytest.raises(RuleViolation) as unassessed:
        agreements.renew(agreement, near_expiry)
    assert unassessed.value.rule == "TJ-5.5"
    failed = agreements.assess(
        agreement, Assessment(near_expiry, False, "complaints", "a"), near_expiry
    )
    with pytest.raises(RuleViolation):
        agreements.renew(failed, near_expiry)
    passed = agreements.assess(agreement, Assessment(near_expiry, True, "good", "a"), near_expiry)
    with pytest.raises(RuleViolation) as too_early:
        agreements.renew(passed, date(2027, 1, 1))
    assert too_early.value.rule == "TJ-5.5"
    old, following = agreements.renew(passed, near_expiry)
    assert old.status is AgreementStatus.RENEWED
    assert (following.starts_on, following.ends_on) == (date(2029, 1, 1), date(2031, 12, 31))
    # Renewed early, the old term still runs to its end; the next one takes over the day after.
    assert old.in_force_on(date(2028, 12, 31)) and not following.in_force_on(date(2028, 12, 31))
    assert following.in_force_on(date(2029, 1, 1)) and not old.in_force_on(date(2029, 1, 1))
    assert following.previous_id == 5 and following.assessment is None
    with pytest.raises(StateConflict):
        agreements.renew(old, near_expiry)  # renewed once already: a step out of order, 409


def test_reminders_at_90_and_30_days_then_expiry() -> None:
    agreement = signed()
    assert agreements.notices_due(agreement, date(2028, 10, 1)) == []
    assert agreements.notices_due(agreement, date(2028, 10, 2)) == [90]
    reminded = replace(agreement, notices_sent=(90,))
    assert agreements.notices_due(reminded, date(2028, 11, 1)) == []
    assert agreements.notices_due(reminded, date(2028, 12, 1)) == [30]
    assert not agreements.expired(agreement, date(2028, 12, 31))
    assert agreements.expired(agreement, date(2029, 1, 1))


def test_an_agreement_is_signed_neither_after_its_end_nor_far_ahead() -> None:
    today = date(2026, 12, 7)

    def sign(starts_on: date) -> agreements.Agreement:
        return agreements.sign(
            1, ["m"], duties="d", rights="r", requirements="q", starts_on=starts_on, today=today
        )

    with pytest.raises(RuleViolation) as ended:
        sign(date(2023, 12, 7))  # its term ended yesterday, 2026-12-06
    assert ended.value.rule == "TJ-5.5" and list(ended.value.errors) == ["starts_on"]
    assert sign(date(2023, 12, 8)).ends_on == today  # signed on its last day: recorded late
    with pytest.raises(RuleViolation) as far:
        sign(date(2040, 1, 1))
    assert far.value.rule == "TJ-5.5" and list(far.value.errors) == ["starts_on"]
    assert sign(today + timedelta(days=agreements.START_HORIZON_DAYS)).starts_on > today
    with pytest.raises(RuleViolation):
        sign(today + timedelta(days=agreements.START_HORIZON_DAYS + 1))


def test_an_assessment_is_dated_within_the_term_and_not_ahead() -> None:
    agreement = signed()
    today = date(2028, 11, 15)
    with pytest.raises(RuleViolation) as ahead:
        agreements.assess(agreement, Assessment(date(2031, 1, 1), True, "good", "a"), today)
    assert ahead.value.rule == "TJ-5.5" and list(ahead.value.errors) == ["assessed_on"]
    with pytest.raises(RuleViolation) as before:
        agreements.assess(agreement, Assessment(date(2025, 12, 31), True, "good", "a"), today)
    assert before.value.rule == "TJ-5.5" and list(before.value.errors) == ["assessed_on"]
