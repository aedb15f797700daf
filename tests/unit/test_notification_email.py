"""E-mail: a template for every routed event type in both languages (no fallback), rendered
against what each contract promises; and the pure rules of addresses, back-off and settings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import TemplateNotFound

from services.notification.adapters import email_texts as templates
from services.notification.domain import email as rules
from services.notification.domain import inboxes
from services.notification.domain.routing import ROUTES
from tests.unit.test_notification_routes import _catalog, _payload

CJK = re.compile(r"[\u4e00-\u9fff]")
WHEN = datetime(2026, 12, 1, 2, tzinfo=UTC)


def _render(event_type: str, language: str, data: dict[str, Any]) -> templates.Mail:
    return templates.render(event_type, language, data, event_id="e-1", subject="s-1", time=WHEN)


@pytest.mark.parametrize("language", rules.LANGUAGES)
@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_every_routed_event_has_a_template_that_renders_what_its_contract_promises(
    event_type: str, language: str
) -> None:
    schema: Any = _catalog()[event_type].schema()
    for full in (False, True):
        mail = _render(event_type, language, _payload(schema, full))
        assert mail.subject and "\n" not in mail.subject
        assert mail.text.count("\n") >= 3, "a greeting, a body and the footer"
        assert "e-1" in mail.text  # the footer names the event
        if language == "zh":
            assert CJK.search(mail.subject), f"{event_type}: the zh subject is not Chinese"
        else:
            assert not CJK.search(mail.subject + mail.text), f"{event_type}: en has Chinese"


def test_a_missing_template_fails_rather_than_falling_back() -> None:
    with pytest.raises(TemplateNotFound):
        _render("govhall.registry.unit.registered.v1", "fr", {})
    with pytest.raises(TemplateNotFound):
        _render("govhall.nobody.thing.happened.v1", "zh", {})


def test_every_template_file_belongs_to_a_routed_event_type() -> None:
    """A template left behind by a route that went away is dead weight: remove it."""
    folder = Path(templates.ROOT) / "email"
    names = {p.name.rsplit(".", 2)[0] for p in folder.glob("govhall.*.txt")}
    assert names - set(ROUTES) == set()


def test_the_html_part_escapes_what_the_payload_carries() -> None:
    schema: Any = _catalog()["govhall.registry.unit.registered.v1"].schema()
    data = {**_payload(schema, True), "name": "<script>alert(1)</script>"}
    mail = _render("govhall.registry.unit.registered.v1", "en", data)
    assert "<script>" in mail.text  # plain text is not HTML
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html


def test_a_field_the_payload_lacks_is_an_error_not_a_blank() -> None:
    with pytest.raises(Exception, match="name"):
        _render("govhall.registry.unit.registered.v1", "en", {"code": "x"})


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("authority", True),
        ("center", True),
        ("inspector", True),
        ("unit:tj-hexi", True),
        ("district:南开区 Nankai", True),
        ("integrator:acme-erp", True),  # a webhook owner, told when its subscription is disabled
        ("staff:tj-hexi:s-0123456789", True),  # B, or the chief representative, in person
        ("case:2026120100000007", False),  # an applicant's: the public's contact is never kept
        ("staff:tj-hexi", False),
        ("staff:tj-hexi:", False),
        ("staff:tj:hexi:s-1", False),
        ("unit:", False),
        ("integrator", False),
        ("integrator:", False),
        ("tj-hexi", False),
        ("", False),
    ],
)
def test_an_address_is_kept_for_inboxes_only(key: str, ok: bool) -> None:
    assert rules.is_inbox_key(key) is ok


def test_the_center_addresses_any_inbox_a_unit_only_its_own_staffs() -> None:
    assert inboxes.may_address("center", None, "unit:tj-hexi")
    assert inboxes.may_address("center", None, "staff:tj-nankai:s-1")
    assert inboxes.may_address("unit", "tj-hexi", "staff:tj-hexi:s-1")
    for key in ("unit:tj-hexi", "staff:tj-nankai:s-1", "center", "district:河西区"):
        assert not inboxes.may_address("unit", "tj-hexi", key), key
    assert not inboxes.may_address("authority", None, "staff:tj-hexi:s-1")


def test_a_units_address_is_its_first_contact_with_a_usable_email() -> None:
    contacts = [
        {"name": "a", "phone": "1", "email": ""},
        {"name": "b", "phone": "2", "email": "not an address"},
        {"name": "c", "phone": "3", "email": " office@hexi.gov.cn "},
        {"name": "d", "phone": "4", "email": "other@hexi.gov.cn"},
    ]
    assert rules.unit_address(contacts) == "office@hexi.gov.cn"
    assert rules.unit_address([{"name": "a", "phone": "1"}]) is None


def test_back_off_doubles_from_the_base_up_to_the_cap() -> None:
    waits = [rules.backoff(n, 30, 3600) for n in range(1, 10)]
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert waits[-1] == timedelta(seconds=3600)


@given(st.integers(min_value=1, max_value=10_000), st.floats(0.01, 100), st.floats(100, 1e5))
def test_back_off_never_shrinks_and_never_exceeds_the_cap(n: int, base: float, cap: float) -> None:
    assert rules.backoff(n, base, cap) <= rules.backoff(n + 1, base, cap)
    assert rules.backoff(n, base, cap) <= timedelta(seconds=cap)


def test_a_delivery_dies_at_the_last_attempt_not_before() -> None:
    assert [rules.after_failure(n, 3) for n in (1, 2, 3, 4)] == [
        "pending",
        "pending",
        "dead",
        "dead",
    ]


def test_settings_come_from_the_environment_and_email_is_off_without_a_host() -> None:
    assert not rules.settings_from({}).enabled
    settings = rules.settings_from(
        {
            "SMTP_HOST": "mail.example",
            "SMTP_PORT": "587",
            "SMTP_STARTTLS": "true",
            "SMTP_USERNAME": "hall",
            "SMTP_PASSWORD": "pw",
            "SMTP_FROM": "hall@example",
            "EMAIL_MAX_ATTEMPTS": "0",
        }
    )
    assert settings.enabled and settings.port == 587 and settings.starttls
    assert (settings.username, settings.password, settings.sender) == ("hall", "pw", "hall@example")
    assert settings.max_attempts == 1  # at least one attempt, whatever the environment says
    assert not rules.settings_from({"SMTP_HOST": "h", "SMTP_STARTTLS": "no"}).starttls
