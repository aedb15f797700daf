"""Configuration from the environment, with the embedded defaults.

One `Settings` per service: everything a process needs to reach its database and the broker.
Variables (all optional; the defaults run the embedded mode with no servers):

- ``<SERVICE>_DATABASE_URL`` or ``DATABASE_URL``: SQLAlchemy URL of the service's own database
  (default ``sqlite:///<VAR_DIR>/<service>.db``).
- ``BROKER_URL``: kombu URL (default ``memory://``, the in-process transport).
- ``EVENTS_EXCHANGE`` (``govhall.events``), ``DEAD_EXCHANGE`` (``govhall.dead``),
  ``QUEUE_PREFIX`` (empty): broker entity names; tests use their own to stay apart.
- ``JWT_SECRET``: the HS256 key for bearer tokens. Without it a local key is generated under
  ``VAR_DIR`` and a warning says so, except in production.
- ``GOVHALL_ENV``: ``production`` refuses to start on anything meant for a laptop: no
  ``JWT_SECRET`` (or a short or example one), the in-memory broker, a SQLite database.
- ``AUDIT_KEY``: the HMAC key chaining the audit trail (shared/audit.py); the database never
  sees it. ``AUDIT_KEYS``: retired keys, comma-separated, still verified after a rotation.
  Without ``AUDIT_KEY`` a local key is generated under ``VAR_DIR``, except in production.
  ``AUDIT_CHECKPOINT_INTERVAL`` (seconds, 300): how often the worker publishes the chain's head.
- ``<SERVICE>_MIGRATE_DATABASE_URL`` or ``MIGRATE_DATABASE_URL``: the owner's login that
  ``govhall migrate`` uses (default: the service's own URL); the service's URL is then the
  runtime role's, granted only INSERT and SELECT on ``audit_log``.
- ``VAR_DIR`` (``./var``), ``HALL_CALENDAR_FILE``, ``OUTBOX_POLL_INTERVAL`` (seconds),
  ``CONSUMER_MAX_ATTEMPTS``, ``RETRY_BASE_DELAY`` (seconds), ``RETRY_MAX_DELAY`` (seconds).
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from environs import Env

log = logging.getLogger(__name__)

SERVICES = ("registry", "staffing", "inspection", "notification")
MIN_SECRET_LENGTH = 32  # characters; `openssl rand -hex 32` gives 64


class ConfigError(RuntimeError):
    """A setting this process must not start with; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str
    broker_url: str = "memory://"
    events_exchange: str = "govhall.events"
    dead_exchange: str = "govhall.dead"
    queue_prefix: str = ""
    jwt_secret: str = ""
    var_dir: str = "var"
    calendar_file: str | None = None
    outbox_poll_interval: float = 0.2
    outbox_batch_size: int = 100
    outbox_retention_days: int = 7
    consumer_max_attempts: int = 5
    retry_base_delay: float = 1.0
    retry_max_delay: float = 300.0
    broker_max_reconnect_delay: float = 2.0
    case_yellow_days: int = 2
    forwarded_proxies: int = 0  # trusted proxies in front setting X-Forwarded-* (0: none)
    audit_key: str = ""
    audit_keys: tuple[str, ...] = ()  # retired audit keys, verified only
    audit_checkpoint_interval: float = 300.0
    migrate_database_url: str = ""  # the owner's login for `govhall migrate` ("": database_url)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def queue_name(self) -> str:
        return f"{self.queue_prefix}{self.service}.events"

    @property
    def dead_queue_name(self) -> str:
        return f"{self.queue_prefix}{self.dead_exchange}"

    @property
    def is_memory_broker(self) -> bool:
        return self.broker_url.startswith("memory://")

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def load(service: str, overrides: dict[str, Any] | None = None) -> Settings:
    """Settings for `service` from the environment; `overrides` win (tests, embedded mode)."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    env = Env()
    var_dir = env.str("VAR_DIR", "var")
    values: dict[str, Any] = {
        "service": service,
        "database_url": env.str(
            f"{service.upper()}_DATABASE_URL",
            env.str("DATABASE_URL", f"sqlite:///{Path(var_dir) / service}.db"),
        ),
        "broker_url": env.str("BROKER_URL", "memory://"),
        "events_exchange": env.str("EVENTS_EXCHANGE", "govhall.events"),
        "dead_exchange": env.str("DEAD_EXCHANGE", "govhall.dead"),
        "queue_prefix": env.str("QUEUE_PREFIX", ""),
        "jwt_secret": env.str("JWT_SECRET", ""),
        "var_dir": var_dir,
        "calendar_file": env.str("HALL_CALENDAR_FILE", None),
        "outbox_poll_interval": env.float("OUTBOX_POLL_INTERVAL", 0.2),
        "outbox_retention_days": env.int("OUTBOX_RETENTION_DAYS", 7),
        "consumer_max_attempts": env.int("CONSUMER_MAX_ATTEMPTS", 5),
        "retry_base_delay": env.float("RETRY_BASE_DELAY", 1.0),
        "retry_max_delay": env.float("RETRY_MAX_DELAY", 300.0),
        "case_yellow_days": env.int("CASE_YELLOW_DAYS", 2),
        "forwarded_proxies": env.int("FORWARDED_PROXIES", 0),
        "audit_key": env.str("AUDIT_KEY", ""),
        "audit_keys": _keys(env.str("AUDIT_KEYS", "")),
        "audit_checkpoint_interval": env.float("AUDIT_CHECKPOINT_INTERVAL", 300.0),
        "migrate_database_url": env.str(
            f"{service.upper()}_MIGRATE_DATABASE_URL", env.str("MIGRATE_DATABASE_URL", "")
        ),
    }
    values.update(overrides or {})
    settings = Settings(**values)
    if env.str("GOVHALL_ENV", "").strip().lower() == "production":
        check_production(settings)
        check_audit_key(settings)
    if not settings.jwt_secret:
        settings = replace(settings, jwt_secret=local_secret(settings.var_dir))
    if not settings.audit_key:
        settings = replace(settings, audit_key=local_audit_key(settings.var_dir))
    return settings


def _keys(listed: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in listed.split(",") if key.strip())


def check_audit_key(settings: Settings) -> None:
    """Production keys the audit trail with a key of its own: a generated one would differ per
    pod, sit on its disk, and verification elsewhere could not recompute a single MAC."""
    key = settings.audit_key
    if not key:
        raise ConfigError("AUDIT_KEY is not set; production never generates the audit trail's key")
    if (
        len(key) < MIN_SECRET_LENGTH
        or key.lower().startswith("change-me")
        or key == settings.jwt_secret
    ):
        raise ConfigError(
            f"AUDIT_KEY is too weak: at least {MIN_SECRET_LENGTH} random characters "
            "(e.g. `openssl rand -hex 32`), not an example value nor JWT_SECRET"
        )


def local_audit_key(var_dir: str) -> str:
    """The embedded mode's audit key: generated once under var/ (next to the data it keys, so
    it protects nothing there: the embedded mode is not for production)."""
    path = Path(var_dir) / "audit-key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    log.warning(
        "AUDIT_KEY is not set: generated a local audit key in %s (not for production)", path
    )
    return key


def check_production(settings: Settings) -> None:
    """Refuse what only the embedded mode may use: a generated key would differ per pod (and
    sit on its disk), the in-memory broker reaches no other process, SQLite no other machine."""
    secret = settings.jwt_secret
    if not secret:
        raise ConfigError("JWT_SECRET is not set; production never generates a signing key")
    if len(secret) < MIN_SECRET_LENGTH or secret.lower().startswith("change-me"):
        raise ConfigError(
            f"JWT_SECRET is too weak: at least {MIN_SECRET_LENGTH} random characters "
            "(e.g. `openssl rand -hex 32`), not an example value"
        )
    if settings.is_memory_broker:
        raise ConfigError("BROKER_URL is not set: production needs RabbitMQ, not memory://")
    if settings.database_url.startswith("sqlite"):
        name = f"{settings.service.upper()}_DATABASE_URL"
        raise ConfigError(f"{name} (or DATABASE_URL) is not set: production needs PostgreSQL")


def local_secret(var_dir: str) -> str:
    """The embedded mode's signing key: generated once, kept under var/, never for production."""
    path = Path(var_dir) / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of the hall wrote it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secret)
    log.warning(
        "JWT_SECRET is not set: generated a local signing key in %s (not for production)", path
    )
    return secret
