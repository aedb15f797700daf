"""The matter catalogue (EQ-2.1, TJ-6.2, EQ-1.3, EQ-4.4c) and its versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.registry.domain import forms, matters
from services.registry.domain.matters import MatterType
from shared.errors import Invalid, RuleViolation
from tests.builders import MATTER

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def publish(content: dict[str, Any] | None = None, previous: Any = None) -> matters.MatterVersion:
    return matters.publish(
        "permit",
        {**MATTER, **(content or {})},
        previous=previous,
        known_forms={3},
        now=NOW,
        actor="authority:a",
    )


def test_a_guide_publishes_flow_materials_and_limits() -> None:
    matter = publish()
    assert matter.version == 1 and matter.type is MatterType.LICENSING
    assert matter.extendable and matter.materials[0].name_en == "Application form"


def test_the_four_matter_types() -> None:
    assert {t.value for t in MatterType} == {"licensing", "confirmation", "public_service", "other"}
    with pytest.raises(ValueError):
        publish({"type": "tax"})  # EQ-2.1 knows four types


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"flow": []}, "TJ-6.2"),
        ({"materials": []}, "TJ-6.2"),
        ({"legal_basis": " "}, "EQ-1.3"),
        ({"promised_limit_days": 21}, "EQ-4.4c"),
        ({"case_kind": "on_the_spot", "promised_limit_days": 3}, "EQ-4.4c"),
    ],
)
def test_an_incomplete_guide_is_refused(change: dict[str, Any], rule: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        publish(change)
    assert refused.value.rule == rule


def test_an_edit_is_a_new_version_and_forms_must_exist() -> None:
    first = publish()
    second = publish({"promised_limit_days": 8, "forms": [3]}, previous=first)
    assert (second.version, second.promised_limit_days, second.forms) == (2, 8, (3,))
    assert first.promised_limit_days == 10  # the old version is untouched
    with pytest.raises(Invalid):
        publish({"forms": [99]})


def test_forms_are_checked_by_name_content_and_size() -> None:
    pdf = forms.accept("C:\\Users\\li\\申请表.pdf", b"%PDF-1.7 rest")
    assert (pdf.filename, pdf.content_type, pdf.size) == ("申请表.pdf", "application/pdf", 13)
    with pytest.raises(Invalid):
        forms.accept("virus.exe", b"MZ")
    with pytest.raises(Invalid):
        forms.accept("fake.pdf", b"<html>")
    with pytest.raises(forms.TooLarge):
        forms.accept("big.pdf", b"%PDF-" + b"0" * forms.MAX_FORM_BYTES)
