"""Complaints and reports from the public (TJ-7.5, TJ-8.3) and the privacy of who complained."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.inspection.contracts import complaints as contracts
from services.inspection.domain import complaints as rules
from services.inspection.domain.complaints import Disclosure
from shared.errors import Conflict, Invalid, RuleViolation
from shared.workdays import HallCalendar

MONDAY = date(2026, 11, 23)


def test_the_three_misconduct_types_of_tj_8_3_are_the_contract_s() -> None:
    assert list(rules.MISCONDUCT) == contracts.MISCONDUCT
    for kind in rules.MISCONDUCT:
        assert rules.check_misconduct(f" {kind} ") == kind
    assert rules.check_misconduct(None) is None and rules.check_misconduct("") is None


def test_any_other_misconduct_is_refused_naming_tj_8_3() -> None:
    with pytest.raises(Invalid) as refused:
        rules.check_misconduct("rudeness")
    assert refused.value.rule == "TJ-8.3" and list(refused.value.errors) == ["misconduct"]
    assert "TJ-8.3" in refused.value.detail


@pytest.mark.parametrize("state", ["active", "suspended", "terminated", "revoked"])
def test_a_window_that_has_served_the_public_can_be_complained_about(state: str) -> None:
    rules.check_window(7, state)


@pytest.mark.parametrize("state", ["applied", "inspected", "reviewed", "approved", "rejected"])
def test_a_window_still_being_set_up_has_served_nobody_tj_7_5(state: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.check_window(7, state)
    assert refused.value.rule == "TJ-7.5" and list(refused.value.errors) == ["window_id"]


def test_an_unknown_window_is_an_invalid_field() -> None:
    with pytest.raises(Invalid) as refused:
        rules.check_window(7, None)
    assert list(refused.value.errors) == ["window_id"]


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("022-2345 6789", "02223456789"),
        ("(0371) 6688 1234", "037166881234"),
        ("", None),
        (None, None),
    ],
)
def test_phones_are_kept_as_digits(written: str | None, kept: str | None) -> None:
    assert rules.normal_phone(written) == kept


@pytest.mark.parametrize("bad", ["12345", "23812345678", "1381234567x", "138123456789", "110"])
def test_a_phone_that_is_no_phone_is_refused(bad: str) -> None:
    with pytest.raises(Invalid) as refused:
        rules.normal_phone(bad)
    assert list(refused.value.errors) == ["complainant_phone"]


def test_masks_keep_a_first_character_and_the_phone_s_ends() -> None:
    assert rules.mask_name("张三丰") == "张**"
    assert rules.mask_name("李") == "李"
    assert rules.mask_phone("13812345678") == "138****5678"
    assert rules.mask_phone("02223456789") == "022****6789"


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_a_masked_mobile_never_shows_its_middle_four(phone: str) -> None:
    masked = rules.mask_phone(rules.normal_phone(phone) or "")
    assert len(masked) == 11 and masked[3:7] == "****" and masked[-4:] == phone[-4:]


def test_who_sees_the_complainant() -> None:
    assert rules.disclosure("center") is Disclosure.FULL
    assert rules.disclosure("inspector") is Disclosure.FULL
    assert rules.disclosure("inspector", masked_requested=True) is Disclosure.MASKED
    assert rules.disclosure("authority") is Disclosure.MASKED
    assert rules.disclosure("unit") is Disclosure.NONE


def test_only_full_showings_are_reads_to_log() -> None:
    full, read = rules.shown("王芳", "13812345678", Disclosure.FULL)
    assert full == {"complainant_name": "王芳", "complainant_phone": "13812345678"}
    assert read == ["complainant_name", "complainant_phone"]
    masked, none_read = rules.shown("王芳", "13812345678", Disclosure.MASKED)
    assert masked == {"complainant_name": "王*", "complainant_phone": "138****5678"}
    assert none_read == []
    hidden, _ = rules.shown("王芳", "13812345678", Disclosure.NONE)
    assert hidden == {"complainant_name": None, "complainant_phone": None}
    assert rules.shown(None, "13812345678", Disclosure.FULL)[1] == ["complainant_phone"]


def test_the_deadline_is_five_working_days_after_the_day_received() -> None:
    calendar = HallCalendar()
    assert rules.deadline(calendar, MONDAY) == date(2026, 11, 30)
    assert rules.deadline(calendar, date(2026, 11, 28), 1) == date(2026, 11, 30)  # a Saturday


def test_the_deadline_is_configurable_within_reason() -> None:
    assert rules.handling_days(None) == rules.handling_days(" ") == 5
    assert rules.handling_days("2") == 2
    for wrong in ("five", "0", "61", "-3"):
        with pytest.raises(ValueError, match="COMPLAINT_DAYS"):
            rules.handling_days(wrong)


def test_overdue_is_undecided_after_the_last_day_or_decided_after_it() -> None:
    due = date(2026, 11, 30)
    assert not rules.is_overdue("received", due, due, None)
    assert rules.is_overdue("assigned", due, due + timedelta(days=1), None)
    assert not rules.is_overdue("upheld", due, due + timedelta(days=9), due)
    assert rules.is_overdue("dismissed", due, due + timedelta(days=9), due + timedelta(days=1))


def test_a_decision_is_final_and_has_reasons() -> None:
    rules.check_open("assigned", "TS1")
    with pytest.raises(Conflict):
        rules.check_open("upheld", "TS1")
    with pytest.raises(Invalid) as refused:
        rules.check_reasons("  ")
    assert list(refused.value.errors) == ["reasons"]


def test_only_the_latest_decided_entry_is_corrected() -> None:
    rules.check_correctable("dismissed", "TS1", None)
    with pytest.raises(Conflict):
        rules.check_correctable("received", "TS1", None)
    with pytest.raises(Conflict) as refused:
        rules.check_correctable("upheld", "TS1", "TS2")
    assert "TS2" in refused.value.detail


def test_the_tracking_code_is_kept_only_as_a_hash_that_needs_the_number() -> None:
    code = rules.new_tracking_code()
    assert len(code) == 8 and set(code) <= set(rules.CODE_ALPHABET)
    stored = rules.code_hash("TS20261123000001", code)
    assert code not in stored
    assert rules.code_matches(stored, "TS20261123000001", code.lower())
    assert not rules.code_matches(stored, "TS20261123000002", code)
    assert not rules.code_matches("", "TS20261123000001", code)


def test_accounts_dates_and_names() -> None:
    assert rules.check_account("  让我跑了三趟 ") == "让我跑了三趟"
    with pytest.raises(Invalid):
        rules.check_account(" ")
    with pytest.raises(Invalid) as refused:
        rules.check_happened_on(MONDAY + timedelta(days=1), MONDAY)
    assert list(refused.value.errors) == ["happened_on"]
    assert rules.normal_name("  John   Smith ") == "John Smith" and rules.normal_name(" ") is None
    assert rules.complaint_number(MONDAY, 12) == "TS20261123000012"


def test_every_refusal_of_complaints_names_its_field_and_rule() -> None:
    from services.inspection.handlers import complaint_reads, complaints, personal_data_reads
    from tests.unit.test_inspection_draws import unnamed_refusals

    for module in (rules, complaints, complaint_reads, personal_data_reads):
        assert unnamed_refusals(module) == [], module.__name__
