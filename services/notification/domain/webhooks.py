"""Webhooks for integrators, as plain rules: which URLs and patterns a subscription may name,
which events match it, how a delivery is signed (Standard Webhooks) and when to try again.

No Flask or SQLAlchemy here: the handlers store what these functions decide.

Settings come from the environment (all optional):

- ``WEBHOOK_TIMEOUT`` (10 s): how long a receiver has to answer.
- ``WEBHOOK_MAX_ATTEMPTS`` (8): tries of one delivery before it is given up (status ``failed``,
  still replayable).
- ``WEBHOOK_DISABLE_AFTER`` (20): failed tries in a row, across a subscription's deliveries,
  after which the subscription is disabled and its owner told.
- ``WEBHOOK_EVENT_RETENTION_DAYS`` (30): how long received events are kept for replay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from shared.errors import Invalid

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks asks for 24 to 64
MAX_PATTERNS = 20
WORD = re.compile(r"^[a-z0-9_]+$")
# Plain http only to this machine: a receiver in a test or on the integrator's laptop.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# After the first attempt fails: 5 s, 30 s, 2 min, 10 min, 30 min, then hourly.
BACKOFF_SECONDS = (5, 30, 120, 600, 1800, 3600)
SNIPPET_CHARS = 500


@dataclass(frozen=True)
class WebhookSettings:
    timeout: float = 10.0
    max_attempts: int = 8
    disable_after: int = 20
    retention_days: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebhookSettings:
        return cls(
            timeout=float(env.get("WEBHOOK_TIMEOUT", cls.timeout)),
            max_attempts=max(int(env.get("WEBHOOK_MAX_ATTEMPTS", cls.max_attempts)), 1),
            disable_after=max(int(env.get("WEBHOOK_DISABLE_AFTER", cls.disable_after)), 1),
            retention_days=int(env.get("WEBHOOK_EVENT_RETENTION_DAYS", cls.retention_days)),
        )


def check_url(url: str) -> str:
    """An https URL anywhere, or http to this machine only; anything else is refused."""
    url = url.strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise Invalid("the URL must be an absolute https:// URL", field="url")
    if parts.username or parts.password:
        raise Invalid("the URL must not carry credentials; verify signatures instead", field="url")
    if parts.scheme == "http" and not _loopback(host):
        raise Invalid(
            f"plain http is allowed only to 127.0.0.1 or localhost, not {host}: use https",
            field="url",
        )
    return url


def _loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_patterns(patterns: list[str]) -> list[str]:
    """Topic-style patterns, as on the broker: words of [a-z0-9_] between dots, `*` for exactly
    one word, `#` for zero or more (e.g. `govhall.registry.window.*`, `govhall.inspection.#`)."""
    if not patterns:
        raise Invalid("name at least one event type pattern", field="event_types")
    if len(patterns) > MAX_PATTERNS:
        raise Invalid(f"at most {MAX_PATTERNS} patterns", field="event_types")
    cleaned: list[str] = []
    for pattern in patterns:
        pattern = pattern.strip()
        words = pattern.split(".")
        if len(pattern) > 200 or not all(w in ("*", "#") or WORD.match(w) for w in words):
            raise Invalid(
                f"{pattern!r} is not a topic pattern: words of a-z, 0-9 and _ between dots, "
                "`*` for one word, `#` for any number",
                field="event_types",
            )
        if pattern not in cleaned:
            cleaned.append(pattern)
    return cleaned


def matches(pattern: str, event_type: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` zero or more."""
    return _match(pattern.split("."), event_type.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])


def matches_any(patterns: list[str], event_type: str) -> bool:
    return any(matches(pattern, event_type) for pattern in patterns)


def new_secret() -> str:
    """`whsec_` and the base64 of random bytes, as Standard Webhooks writes a signing secret."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key: the bytes the base64 after `whsec_` stands for."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: list[str], message_id: str, timestamp: int, body: str) -> str:
    """One signature per live secret, space separated: during a rotation the receiver may still
    hold the previous secret, and either one verifies."""
    return " ".join(signature(s, message_id, timestamp, body) for s in secrets_)


def backoff(failed_attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt (n ≥ 1): exponential, capped at an hour."""
    index = min(max(failed_attempts, 1), len(BACKOFF_SECONDS)) - 1
    return timedelta(seconds=BACKOFF_SECONDS[index])


@dataclass(frozen=True)
class AfterFailure:
    """What a failed attempt leads to."""

    status: str  # "pending" (tried again at `next_attempt_at`) or "failed" (given up)
    next_attempt_at: datetime | None
    disable_subscription: bool


def after_failure(
    attempts: int, consecutive_failures: int, now: datetime, max_attempts: int, disable_after: int
) -> AfterFailure:
    """`attempts` is this delivery's failed attempts so far, `consecutive_failures` the
    subscription's (every failed attempt since its last success, this one included)."""
    disable = consecutive_failures >= disable_after
    if attempts >= max_attempts:
        return AfterFailure("failed", None, disable)
    return AfterFailure("pending", now + backoff(attempts), disable)


def succeeded(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def snippet(text: str) -> str:
    """What of a receiver's answer the delivery log keeps."""
    return text[:SNIPPET_CHARS]


def check_range(start: datetime, end: datetime, longest: timedelta) -> None:
    if end <= start:
        raise Invalid("`to` must come after `from`", field="to")
    if end - start > longest:
        raise Invalid(f"replay at most {longest.days} days at a time", field="to")
