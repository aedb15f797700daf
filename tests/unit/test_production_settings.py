"""Production refuses to start on what only the embedded mode may use (a generated key, the
in-memory broker, SQLite); the embedded default still starts with none of them set."""

from __future__ import annotations

import pytest

from shared import config

STRONG = "f" * 64
PG = "postgresql+psycopg://govhall@db/registry"
AMQP = "amqp://govhall:pw@rabbitmq:5672//"
REDIS = "redis://redis:6379/0"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> pytest.MonkeyPatch:
    names = ("JWT_SECRET", "BROKER_URL", "DATABASE_URL", "REGISTRY_DATABASE_URL")
    for name in (*names, "REDIS_URL", "RATE_LIMIT_STORAGE_URL"):
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
    for name, value in {"JWT_SECRET": STRONG, **servers}.items():
        production.setenv(name, value)
    settings = config.load("registry")
    assert settings.jwt_secret == STRONG and settings.rate_limit_storage_url == REDIS


def test_the_embedded_default_generates_its_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.delenv("GOVHALL_ENV", raising=False)
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    assert len(config.load("registry").jwt_secret) >= config.MIN_SECRET_LENGTH
