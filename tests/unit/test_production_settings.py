"""Production refuses to start on what only the embedded mode may use (a generated key, the
in-memory broker, SQLite); the embedded default still starts with none of them set."""

from __future__ import annotations

import base64
import secrets

import pytest

from shared import config

STRONG = "2bc7ca9434ecfc835aa1f7ef6a9cafe65f6d20642b3661cadf8d75fbb0d9f73f"  # token_hex(32)
PG = "postgresql+psycopg://govhall@db/registry"
AMQP = "amqp://govhall:pw@rabbitmq:5672//"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> pytest.MonkeyPatch:
    for name in (
        "JWT_SECRET",
        "BROKER_URL",
        "DATABASE_URL",
        "REGISTRY_DATABASE_URL",
        "GOVHALL_ENV",
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
    for name, value in {"JWT_SECRET": STRONG, "BROKER_URL": AMQP, "DATABASE_URL": PG}.items():
        production.setenv(name, value)
    assert config.load("registry").jwt_secret == STRONG


def test_the_embedded_default_generates_its_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.delenv("GOVHALL_ENV", raising=False)
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    assert len(config.load("registry").jwt_secret) >= config.MIN_SECRET_LENGTH


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
        assert config.secret_weakness(secret) is None, secret
