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
- ``VAR_DIR`` (``./var``), ``HALL_CALENDAR_FILE``, ``OUTBOX_POLL_INTERVAL`` (seconds),
  ``CONSUMER_MAX_ATTEMPTS``, ``RETRY_BASE_DELAY`` (seconds), ``RETRY_MAX_DELAY`` (seconds).

PostgreSQL never waits forever (shared/pg.py); every bound in seconds, ``0`` turns one off:

- ``DB_CONNECT_TIMEOUT`` (3, at least 2): to open a connection, handshake and login included.
- ``DB_PING_TIMEOUT`` (2): for the ping a pooled connection gets before each use.
- ``DB_REPLY_TIMEOUT`` (7): for the server's answer to anything sent on an open connection; the
  client's own bound, for when nothing arrives at all. Keep it above the statement timeout.
- ``DB_STATEMENT_TIMEOUT`` (5), ``DB_LOCK_TIMEOUT`` (3), ``DB_IDLE_IN_TRANSACTION_TIMEOUT``
  (60): the server's ``statement_timeout``, ``lock_timeout`` and
  ``idle_in_transaction_session_timeout`` for our sessions (``govhall migrate`` sets none).
- ``DB_POOL_TIMEOUT`` (3): to wait for a free connection of the process's pool.
- ``DB_KEEPALIVES_IDLE`` (10), ``DB_KEEPALIVES_INTERVAL`` (3), ``DB_KEEPALIVES_COUNT`` (3),
  ``DB_TCP_USER_TIMEOUT`` (10): TCP keepalives, and how long sent data may stay unacknowledged
  (Linux), so the kernel itself drops a connection whose packets no longer arrive.

A request that meets any of these answers 503 with ``Retry-After``, as when the server is down.
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
class DatabaseTimeouts:
    """How long PostgreSQL may keep us waiting, in seconds (0: no bound); see the docstring."""

    connect: float = 3.0
    ping: float = 2.0
    reply: float = 7.0
    statement: float = 5.0
    lock: float = 3.0
    idle_in_transaction: float = 60.0
    pool: float = 3.0
    keepalives_idle: float = 10.0
    keepalives_interval: float = 3.0
    keepalives_count: int = 3
    tcp_user_timeout: float = 10.0

    @classmethod
    def from_env(cls, env: Env) -> DatabaseTimeouts:
        defaults = cls()
        return cls(
            connect=env.float("DB_CONNECT_TIMEOUT", defaults.connect),
            ping=env.float("DB_PING_TIMEOUT", defaults.ping),
            reply=env.float("DB_REPLY_TIMEOUT", defaults.reply),
            statement=env.float("DB_STATEMENT_TIMEOUT", defaults.statement),
            lock=env.float("DB_LOCK_TIMEOUT", defaults.lock),
            idle_in_transaction=env.float(
                "DB_IDLE_IN_TRANSACTION_TIMEOUT", defaults.idle_in_transaction
            ),
            pool=env.float("DB_POOL_TIMEOUT", defaults.pool),
            keepalives_idle=env.float("DB_KEEPALIVES_IDLE", defaults.keepalives_idle),
            keepalives_interval=env.float("DB_KEEPALIVES_INTERVAL", defaults.keepalives_interval),
            keepalives_count=env.int("DB_KEEPALIVES_COUNT", defaults.keepalives_count),
            tcp_user_timeout=env.float("DB_TCP_USER_TIMEOUT", defaults.tcp_user_timeout),
        )

    def for_migrations(self) -> DatabaseTimeouts:
        """A migration may rebuild a large table: no statement, lock or reply bound."""
        return replace(self, reply=0.0, statement=0.0, lock=0.0, idle_in_transaction=0.0)


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
    database_timeouts: DatabaseTimeouts = field(default_factory=lambda: DatabaseTimeouts())
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
        "database_timeouts": DatabaseTimeouts.from_env(env),
    }
    values.update(overrides or {})
    settings = Settings(**values)
    if env.str("GOVHALL_ENV", "").strip().lower() == "production":
        check_production(settings)
    if not settings.jwt_secret:
        settings = replace(settings, jwt_secret=local_secret(settings.var_dir))
    return settings


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
