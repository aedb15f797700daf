"""Production refuses to start on what only the embedded mode may use (a generated key, the
in-memory broker, SQLite); the embedded default still starts with none of them set."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest

from shared import config, signing_keys

STRONG = "2bc7ca9434ecfc835aa1f7ef6a9cafe65f6d20642b3661cadf8d75fbb0d9f73f"  # token_hex(32)
AUDIT = "9c1e4f0b7a2d5e8c3f6a9b1d4e7f0a2c5b8d1e4f7a0c3e6b9d2f5a8c1e4b7d0a"  # token_hex(32)
PG = "postgresql+psycopg://govhall@db/registry"
AMQP = "amqp://govhall:pw@rabbitmq:5672//"
REDIS = "redis://redis:6379/0"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> pytest.MonkeyPatch:
    names = ("JWT_SECRET", "AUDIT_KEY", "AUDIT_KEYS", "BROKER_URL", "DATABASE_URL")
    for name in (
        *names,
        "REGISTRY_DATABASE_URL",
        "GOVHALL_ENV",
        "REDIS_URL",
        "RATE_LIMIT_STORAGE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("GOVHALL_ENV", "production")
    return monkeypatch


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"BROKER_URL": AMQP, "DATABASE_URL": PG}, "JWT_SECRET is not set"),
        ({"JWT_SECRET": "short", "BROKER_URL": AMQP, "DATABASE_URL": PG}, "JWT_SECRET is too weak"),
        (
            {"JWT_SECRET": "change-me-" + "x" * 40, "BROKER_URL": AMQP, "DATABASE_URL": PG},
            "JWT_SECRET is too weak",
        ),
        ({"JWT_SECRET": STRONG, "DATABASE_URL": PG}, "BROKER_URL is not set"),
        ({"JWT_SECRET": STRONG, "BROKER_URL": AMQP}, "REGISTRY_DATABASE_URL"),
        (
            {"JWT_SECRET": STRONG, "BROKER_URL": AMQP, "DATABASE_URL": PG},
            "RATE_LIMIT_STORAGE_URL",
        ),
    ],
)
def test_production_refuses_to_start_and_names_the_variable(
    production: pytest.MonkeyPatch, environment: dict[str, str], named: str
) -> None:
    for name, value in environment.items():
        production.setenv(name, value)
    with pytest.raises(config.ConfigError, match=named):
        config.load("registry")


def test_production_starts_with_its_servers_and_a_strong_key(
    production: pytest.MonkeyPatch,
) -> None:
    servers = {"BROKER_URL": AMQP, "DATABASE_URL": PG, "REDIS_URL": REDIS}
    for name, value in {"JWT_SECRET": STRONG, "AUDIT_KEY": AUDIT, **servers}.items():
        production.setenv(name, value)
    settings = config.load("registry")
    assert (settings.jwt_secret, settings.audit_key) == (STRONG, AUDIT)
    assert settings.rate_limit_storage_url == REDIS


@pytest.mark.parametrize(
    ("audit_key", "named"),
    [
        (None, "AUDIT_KEY is not set"),
        ("short", "AUDIT_KEY is too weak"),
        ("change-me-" + "a" * 40, "AUDIT_KEY is too weak"),
        (STRONG, "AUDIT_KEY is too weak"),  # the JWT secret again: one leak would give both
    ],
)
def test_production_refuses_to_start_without_a_strong_audit_key(
    production: pytest.MonkeyPatch, tmp_path: Path, audit_key: str | None, named: str
) -> None:
    servers = {"BROKER_URL": AMQP, "DATABASE_URL": PG, "REDIS_URL": REDIS}
    for name, value in {"JWT_SECRET": STRONG, **servers}.items():
        production.setenv(name, value)
    if audit_key is not None:
        production.setenv("AUDIT_KEY", audit_key)
    with pytest.raises(config.ConfigError, match=named):
        config.load("registry")
    assert not (tmp_path / "audit-key").exists()  # and generated none


def test_a_retired_audit_key_is_kept_for_verification(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.delenv("GOVHALL_ENV", raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("AUDIT_KEY", AUDIT)
    monkeypatch.setenv("AUDIT_KEYS", f" {'o' * 64} , {'p' * 64},")
    assert config.load("registry").audit_keys == ("o" * 64, "p" * 64)


def test_the_embedded_default_generates_its_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.delenv("GOVHALL_ENV", raising=False)
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    settings = config.load("registry")
    assert len(settings.jwt_secret) >= signing_keys.MIN_SECRET_LENGTH
    assert len(settings.audit_key) >= signing_keys.MIN_SECRET_LENGTH
    assert settings.audit_key != settings.jwt_secret
    assert config.load("registry").audit_key == settings.audit_key  # kept under VAR_DIR


@pytest.mark.parametrize("value", ["prod", "Production", "staging", "test", "production "])
def test_an_unknown_environment_is_refused_naming_the_variable(
    production: pytest.MonkeyPatch, value: str
) -> None:
    """`prod` used to start as development: a short key, memory:// and SQLite."""
    production.setenv("GOVHALL_ENV", value)
    with pytest.raises(config.ConfigError, match=r"GOVHALL_ENV=.*development, production"):
        config.load("registry")


@pytest.mark.parametrize("value", ["development", ""])
def test_development_is_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, value: str
) -> None:
    monkeypatch.setenv("GOVHALL_ENV", value)
    monkeypatch.delenv("BROKER_URL", raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    assert config.load("registry").is_memory_broker


WEAK = {
    "32 spaces and an x": " " * 32 + "x",
    "a repeated example word": "changeme" * 8,
    "one hex digit": "f" * 64,
    "a repeated hex run": "0123456789abcdef" * 4,
    "one base64 letter": "a" * 43,
    "128 bits": secrets.token_hex(16),
    "a sentence": "the quick brown fox jumps over the lazy dog again",
    "the old example": "change-me-" + "x" * 40,
    "an example word in base64": "ThisIsMyJwtSecretForGovhallProductionUse1234",
    "a half repeated": secrets.token_hex(16) * 2,
    "a test key": "test-audit-key-not-for-production-0123456789abcdef",
}


@pytest.mark.parametrize("secret", WEAK.values(), ids=WEAK.keys())
def test_low_entropy_secrets_are_refused_with_how_to_make_one(
    production: pytest.MonkeyPatch, secret: str
) -> None:
    for name, value in {"JWT_SECRET": secret, "BROKER_URL": AMQP, "DATABASE_URL": PG}.items():
        production.setenv(name, value)
    with pytest.raises(config.ConfigError, match="JWT_SECRET is too weak") as refused:
        config.load("registry")
    assert "secrets.token_hex(32)" in str(refused.value)
    assert "openssl rand -hex 32" in str(refused.value)


STRONG_FORMS = {
    "hex": lambda: secrets.token_hex(32),
    "HEX": lambda: secrets.token_hex(48).upper(),
    "urlsafe base64": lambda: secrets.token_urlsafe(32),
    "base64": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "openssl rand -base64 48": lambda: base64.b64encode(secrets.token_bytes(48)).decode(),
}


@pytest.mark.parametrize("make", STRONG_FORMS.values(), ids=STRONG_FORMS.keys())
def test_keys_from_a_csprng_are_accepted(make: object) -> None:
    assert callable(make)
    for _ in range(2000):  # the thresholds leave no random key out
        secret = make()
        assert signing_keys.secret_weakness(secret) is None, secret
