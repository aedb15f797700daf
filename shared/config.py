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
- ``RATE_LIMIT_STORAGE_URL`` (or ``REDIS_URL``): where the public endpoints' rate limits and
  receipt lockouts are counted (default ``memory://``, one process only; production refuses it),
  e.g. ``redis://redis:6379/0``. ``RATE_LIMIT_KEY_PREFIX`` (``govhall``) keeps halls apart on one
  Redis. ``RATE_LIMIT_<NAME>`` overrides a named limit (``shared.limits.DEFAULT_LIMITS``), e.g.
  ``RATE_LIMIT_TRACKING="30/minute;300/hour"``; ``LOCKOUT_FAILURES`` (5),
  ``LOCKOUT_RECEIPT_FAILURES`` (20) and ``LOCKOUT_SECONDS`` (900) set the lockout after wrong
  query codes (docs/operations.md).
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

# The public (no-token) endpoints' limits, by name, in the `limits` notation, per client address.
# Per receipt only wrong codes count (the lockout, LOCKOUT_*): a limit on every request for a
# receipt would let anyone who knows its number keep the applicant out. Production-sensible: an
# applicant checking a case now and then, a complainant filing once, never reach them; a script
# guessing codes does at once.
DEFAULT_LIMITS: dict[str, str] = {
    "tracking": "30/minute;300/hour",  # registry: case tracking by receipt and query code
    "case_notices": "30/minute;300/hour",  # notification: a case's notices, same secret
    "evaluations": "10/minute;60/hour",  # inspection: evaluating a case, same secret
    "complaints": "5/minute;30/hour",  # inspection: filing an (anonymous) complaint
    "complaint_tracking": "30/minute;300/hour",  # inspection: a complaint by number and code
    "bookings": "10/minute;60/hour",  # registry: booking a seat, cancelling with the code
    "draw_verification": "30/minute;600/hour",  # inspection: re-running a draw
}


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
    rate_limit_storage_url: str = "memory://"
    rate_limit_key_prefix: str = "govhall"
    rate_limits: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    lockout_failures: int = 5  # wrong codes from one address on one receipt before it locks
    lockout_receipt_failures: int = 20  # from all addresses, before failed addresses are refused
    lockout_seconds: int = 900  # how long the failures count, and so the longest lock
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

    @property
    def is_memory_rate_limit_storage(self) -> bool:
        return self.rate_limit_storage_url.startswith("memory://")

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
        "rate_limit_storage_url": env.str(
            "RATE_LIMIT_STORAGE_URL", env.str("REDIS_URL", "memory://")
        ),
        "rate_limit_key_prefix": env.str("RATE_LIMIT_KEY_PREFIX", "govhall"),
        "lockout_failures": env.int("LOCKOUT_FAILURES", 5),
        "lockout_receipt_failures": env.int("LOCKOUT_RECEIPT_FAILURES", 20),
        "lockout_seconds": env.int("LOCKOUT_SECONDS", 900),
    }
    limits = {
        name: env.str(f"RATE_LIMIT_{name.upper()}", default) or default
        for name, default in DEFAULT_LIMITS.items()
    }
    overrides = dict(overrides or {})
    # A test or the embedded mode may raise some limits and keep the others.
    limits.update(overrides.pop("rate_limits", None) or {})
    values["rate_limits"] = limits
    values.update(overrides)
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
    if settings.is_memory_rate_limit_storage:
        # Counted in one process, a limit multiplies by the pods and workers and resets on
        # every restart: a guesser would hardly notice it.
        raise ConfigError(
            "RATE_LIMIT_STORAGE_URL (or REDIS_URL) is not set: production needs Redis for the "
            "public endpoints' rate limits, not memory://"
        )


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
