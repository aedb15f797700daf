"""Production refuses to start on what only the embedded mode may use (a generated key, the
in-memory broker, SQLite); the embedded default still starts with none of them set."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared import config

STRONG = "f" * 64
AUDIT = "a1" * 32
PG = "postgresql+psycopg://govhall@db/registry"
AMQP = "amqp://govhall:pw@rabbitmq:5672//"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> pytest.MonkeyPatch:
    for name in (
        "JWT_SECRET",
        "AUDIT_KEY",
        "AUDIT_KEYS",
        "BROKER_URL",
        "DATABASE_URL",
        "REGISTRY_DATABASE_URL",
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
    environment = {"JWT_SECRET": STRONG, "AUDIT_KEY": AUDIT, "BROKER_URL": AMQP, "DATABASE_URL": PG}
    for name, value in environment.items():
        production.setenv(name, value)
    settings = config.load("registry")
    assert (settings.jwt_secret, settings.audit_key) == (STRONG, AUDIT)


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
    for name, value in {"JWT_SECRET": STRONG, "BROKER_URL": AMQP, "DATABASE_URL": PG}.items():
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
    assert len(settings.jwt_secret) >= config.MIN_SECRET_LENGTH
    assert len(settings.audit_key) >= config.MIN_SECRET_LENGTH
    assert settings.audit_key != settings.jwt_secret
    assert config.load("registry").audit_key == settings.audit_key  # kept under VAR_DIR
