"""Webhook rules: URLs, topic patterns, Standard Webhooks signatures, back-off and disabling."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notification.domain import webhooks as rules
from shared.errors import Invalid

NOW = datetime(2026, 12, 2, 3, tzinfo=UTC)
WORDS = st.lists(st.sampled_from(["govhall", "registry", "window", "published", "v1"]), min_size=1)


def test_the_standard_webhooks_example_signs_the_same() -> None:
    # The example of the Standard Webhooks specification and its reference libraries.
    signed = rules.signature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        '{"test": 2432232314}',
    )
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_secret_is_whsec_and_enough_random_bytes() -> None:
    one, two = rules.new_secret(), rules.new_secret()
    assert one.startswith("whsec_") and one != two
    assert len(base64.b64decode(one.removeprefix("whsec_"))) >= 24
    assert rules.secret_key(one) == base64.b64decode(one[6:])


def test_during_a_rotation_both_secrets_sign() -> None:
    header = rules.signature_header(["whsec_AAAA", "whsec_BBBB"], "id", 1, "{}")
    assert header.split(" ") == [
        rules.signature("whsec_AAAA", "id", 1, "{}"),
        rules.signature("whsec_BBBB", "id", 1, "{}"),
    ]


@pytest.mark.parametrize(
    ("pattern", "event_type", "expected"),
    [
        ("govhall.registry.window.*.v1", "govhall.registry.window.published.v1", True),
        ("govhall.registry.window.*", "govhall.registry.window.published.v1", False),
        ("govhall.inspection.#", "govhall.inspection.sanction.imposed.v1", True),
        ("govhall.inspection.#", "govhall.registry.unit.registered.v1", False),
        ("govhall.#", "govhall.staffing.seal.used.v1", True),
        ("#", "govhall.staffing.seal.used.v1", True),
        ("govhall.#.v1", "govhall.staffing.seal.used.v1", True),
        ("govhall.#.v2", "govhall.staffing.seal.used.v1", False),
        ("govhall.registry.#", "govhall.registry", True),  # '#' is zero or more words
    ],
)
def test_topic_patterns_match_as_on_the_broker(
    pattern: str, event_type: str, expected: bool
) -> None:
    assert rules.matches(pattern, event_type) is expected


@given(WORDS)
def test_a_type_matches_itself_and_hash_matches_everything(words: list[str]) -> None:
    event_type = ".".join(words)
    assert rules.matches(event_type, event_type)
    assert rules.matches("#", event_type)
    assert rules.matches(".".join("*" for _ in words), event_type)
    assert not rules.matches(".".join("*" for _ in [*words, "x"]), event_type)


@pytest.mark.parametrize(
    "patterns", [[], ["govhall..x"], ["Govhall.#"], ["govhall.>"], ["a b"], ["x"] * 21]
)
def test_a_bad_pattern_list_is_refused(patterns: list[str]) -> None:
    with pytest.raises(Invalid) as refused:
        rules.check_patterns(patterns)
    assert "event_types" in refused.value.errors


def test_patterns_are_kept_once_in_order() -> None:
    assert rules.check_patterns([" govhall.# ", "govhall.#", "govhall.registry.*.*.v1"]) == [
        "govhall.#",
        "govhall.registry.*.*.v1",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://erp.example.com/hook",
        "https://10.1.2.3:8443/x",
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]:9000/",
    ],
)
def test_https_anywhere_and_http_to_this_machine_are_accepted(url: str) -> None:
    assert rules.check_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "http://127.0.0.1.example.com/hook",
        "http://10.0.0.1/hook",
        "ftp://127.0.0.1/x",
        "https://user:pw@erp.example.com/",
        "erp.example.com/hook",
        "https:///nohost",
    ],
)
def test_other_urls_are_refused_naming_the_field(url: str) -> None:
    with pytest.raises(Invalid) as refused:
        rules.check_url(url)
    assert "url" in refused.value.errors


def test_back_off_grows_and_is_capped() -> None:
    waits = [rules.backoff(n).total_seconds() for n in range(1, 10)]
    assert waits[:3] == [5, 30, 120]
    assert waits == sorted(waits) and max(waits) == 3600


def test_a_failure_is_retried_until_the_last_attempt_then_given_up() -> None:
    retried = rules.after_failure(1, 1, NOW, max_attempts=3, disable_after=10)
    assert retried == rules.AfterFailure("pending", NOW + timedelta(seconds=5), False)
    given_up = rules.after_failure(3, 3, NOW, max_attempts=3, disable_after=10)
    assert given_up.status == "failed" and given_up.next_attempt_at is None


def test_failures_in_a_row_disable_the_subscription() -> None:
    assert not rules.after_failure(1, 9, NOW, 8, 10).disable_subscription
    assert rules.after_failure(1, 10, NOW, 8, 10).disable_subscription


def test_only_2xx_is_a_success() -> None:
    assert [rules.succeeded(c) for c in (200, 204, 299, 301, 400, 500, None)] == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


def test_settings_come_from_the_environment_with_defaults() -> None:
    assert rules.WebhookSettings.from_env({}) == rules.WebhookSettings(10.0, 8, 20, 30)
    tuned = rules.WebhookSettings.from_env({"WEBHOOK_DISABLE_AFTER": "3", "WEBHOOK_TIMEOUT": "2"})
    assert (tuned.disable_after, tuned.timeout) == (3, 2.0)


def test_a_replay_range_runs_forwards_and_not_too_far() -> None:
    rules.check_range(NOW, NOW + timedelta(days=1), timedelta(days=31))
    for end in (NOW, NOW - timedelta(seconds=1), NOW + timedelta(days=32)):
        with pytest.raises(Invalid):
            rules.check_range(NOW, end, timedelta(days=31))
