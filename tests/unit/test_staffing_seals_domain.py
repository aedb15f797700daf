"""The approval seal (EQ-4.2): kept by the chief representative (A) and deputy (B), used only for
approvals."""

from __future__ import annotations

import pytest

from services.staffing.domain import seals
from services.staffing.domain.seals import Custodians, Refusal
from shared.errors import Invalid, RuleViolation

SERVING = Custodians("s-chief", "s-deputy")


def test_the_seal_is_registered_to_the_serving_chief_and_deputy() -> None:
    seals.check_registration(SERVING, "s-chief", "s-deputy", "河西区行政审批专用章")


def test_no_chief_representative_no_seal() -> None:
    with pytest.raises(RuleViolation) as refused:
        seals.check_registration(None, "s-chief", "s-deputy", "章")
    assert refused.value.rule == "EQ-4.2" and "custodian_a" in refused.value.errors
    assert "EQ-3.1b" in refused.value.detail


def test_a_chief_without_a_deputy_cannot_share_custody() -> None:
    with pytest.raises(RuleViolation) as refused:
        seals.check_registration(Custodians("s-chief", None), "s-chief", "s-clerk", "章")
    assert list(refused.value.errors) == ["custodian_b"]


def test_other_custodians_are_refused_naming_each_field() -> None:
    with pytest.raises(RuleViolation) as refused:
        seals.check_registration(SERVING, "s-clerk", "s-chief", "章")
    assert refused.value.rule == "EQ-4.2"
    assert set(refused.value.errors) == {"custodian_a", "custodian_b"}


def test_a_seal_has_a_name() -> None:
    with pytest.raises(Invalid) as refused:
        seals.check_registration(SERVING, "s-chief", "s-deputy", "  ")
    assert list(refused.value.errors) == ["name"]


@pytest.mark.parametrize("who", ["s-chief", "s-deputy"])
def test_a_and_b_use_it_for_approvals(who: str) -> None:
    assert seals.check_use(SERVING, who, "approval") is None
    assert seals.check_use(SERVING, who, " Approval ") is None


def test_anyone_else_is_refused_whatever_the_purpose() -> None:
    assert seals.check_use(SERVING, "s-clerk", "approval") is Refusal.NOT_CUSTODIAN
    assert seals.check_use(SERVING, "s-clerk", "contract") is Refusal.NOT_CUSTODIAN


def test_a_custodian_is_refused_anything_but_an_approval() -> None:
    for purpose in ("contract", "certificate", "notice", "approval letter"):
        assert seals.check_use(SERVING, "s-chief", purpose) is Refusal.NOT_APPROVAL


def test_a_deputy_less_office_never_lets_a_missing_b_through() -> None:
    alone = seals.custodians("s-chief", None)
    assert alone is not None and not alone.include("")
    assert seals.check_use(alone, "s-deputy", "approval") is Refusal.NOT_CUSTODIAN


def test_custody_follows_the_office() -> None:
    successor = seals.custodians("s-new-chief", "s-deputy")
    assert seals.check_use(successor, "s-chief", "approval") is Refusal.NOT_CUSTODIAN
    assert seals.check_use(successor, "s-new-chief", "approval") is None
    assert seals.check_use(seals.custodians(None, None), "s-chief", "approval") is not None


@pytest.mark.parametrize(
    ("refusal", "field"), [(Refusal.NOT_CUSTODIAN, "staff_id"), (Refusal.NOT_APPROVAL, "purpose")]
)
def test_a_refusal_names_the_rule_and_the_field(refusal: Refusal, field: str) -> None:
    error = seals.refused(refusal, "s-clerk")
    assert error.status == 422 and error.rule == "EQ-4.2"
    assert list(error.errors) == [field] and "recorded" in error.detail
