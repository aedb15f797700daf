"""Configuration from the environment, with the embedded defaults.

One `Settings` per service: everything a process needs to reach its database and the broker.
Variables (all optional; the defaults run the embedded mode with no servers):

- ``<SERVICE>_DATABASE_URL`` or ``DATABASE_URL``: SQLAlchemy URL of the service's own database
  (default ``sqlite:///<VAR_DIR>/<service>.db``).
- ``BROKER_URL``: kombu URL (default ``memory://``, the in-process transport).
- ``EVENTS_EXCHANGE`` (``govhall.events``), ``DEAD_EXCHANGE`` (``govhall.dead``),
  ``QUEUE_PREFIX`` (empty): broker entity names; tests use their own to stay apart.
- ``JWT_SECRET``: the HS256 key for bearer tokens: 256 bits or more from a CSPRNG, as hex or
  base64 (``python -c "import secrets; print(secrets.token_hex(32))"`` or
  ``openssl rand -hex 32``). Without it a local key is generated under ``VAR_DIR`` and a
  warning says so, except in production.
- ``JWT_ISSUER``, ``JWT_AUDIENCE`` (both ``govhall``): the ``iss`` and ``aud`` every token
  carries and every service checks; a hall sharing a key with another system sets its own.
- ``GOVHALL_ENV``: ``development`` (the default, also when empty) or ``production``; any other
  value is refused at start. ``production`` refuses to start on anything meant for a laptop:
  no ``JWT_SECRET`` (or a weak or example one), the in-memory broker, a SQLite database.
- ``AUDIT_KEY``: the HMAC key chaining the audit trail (shared/audit.py); the database never
  sees it. ``AUDIT_KEYS``: retired keys, comma-separated, still verified after a rotation.
  Without ``AUDIT_KEY`` a local key is generated under ``VAR_DIR``, except in production.
  ``AUDIT_CHECKPOINT_INTERVAL`` (seconds, 300): how often the worker publishes the chain's head.
  ``AUDIT_CHAIN_INLINE`` (false): on PostgreSQL, each write chains its own audit record under the
  chain's lock, as before the sealer (shared/audit_sealer.py); for comparison
  (bench/write_scaling.py), the sealer's path is the default.
- ``<SERVICE>_MIGRATE_DATABASE_URL`` or ``MIGRATE_DATABASE_URL``: the owner's login that
  ``govhall migrate`` uses (default: the service's own URL); the service's URL is then the
  runtime role's, granted only INSERT and SELECT on ``audit_log``.
- ``RATE_LIMIT_STORAGE_URL`` (or ``REDIS_URL``): where the public endpoints' rate limits and
  receipt lockouts are counted (default ``memory://``, one process only; production refuses it),
  e.g. ``redis://redis:6379/0``. ``RATE_LIMIT_KEY_PREFIX`` (``govhall``) keeps halls apart on one
  Redis. ``RATE_LIMIT_<NAME>`` overrides a named limit
  (``shared.config_bounds.DEFAULT_LIMITS``), e.g.
  ``RATE_LIMIT_TRACKING="30/minute;300/hour"``; ``LOCKOUT_FAILURES`` (5),
  ``LOCKOUT_RECEIPT_FAILURES`` (20) and ``LOCKOUT_SECONDS`` (900) set the lockout after wrong
  query codes (docs/operations.md).
- ``VAR_DIR`` (``./var``), ``HALL_CALENDAR_FILE``, ``OUTBOX_POLL_INTERVAL`` (seconds),
  ``CONSUMER_MAX_ATTEMPTS``, ``RETRY_BASE_DELAY`` (seconds), ``RETRY_MAX_DELAY`` (seconds).

PostgreSQL never waits forever (shared/pg.py); every bound in seconds, ``0`` turns one off:

- ``DB_CONNECT_TIMEOUT`` (3, at least 2): to open a connection, handshake and login included.
- ``DB_PING_TIMEOUT`` (2): for the ping a pooled connection gets before each use.
- ``DB_REPLY_TIMEOUT`` (7): for the server's answer to anything sent on an open connection; the
  client's own bound, for when nothing arrives at all. Keep it above the statement timeout.
- ``DB_READ_TIMEOUT`` (3): the same bound for the lean read path (shared/reads.py: a GET's
  selects in autocommit, with no ping before them). It stands in for the ping's bound, so a
  read on a silent database answers 503 in about this long, not DB_REPLY_TIMEOUT; those
  connections' ``statement_timeout`` is set half a second below it, so a read that is merely
  slow is cancelled by the server rather than taken for silence. Keep it above the slowest
  GET's query.
- ``DB_STATEMENT_TIMEOUT`` (5), ``DB_LOCK_TIMEOUT`` (3), ``DB_IDLE_IN_TRANSACTION_TIMEOUT``
  (60): the server's ``statement_timeout``, ``lock_timeout`` and
  ``idle_in_transaction_session_timeout`` for our sessions (``govhall migrate`` sets none).
- ``DB_POOL_TIMEOUT`` (3): to wait for a free connection of the process's pool.
- ``DB_KEEPALIVES_IDLE`` (10), ``DB_KEEPALIVES_INTERVAL`` (3), ``DB_KEEPALIVES_COUNT`` (3),
  ``DB_TCP_USER_TIMEOUT`` (10): TCP keepalives, and how long sent data may stay unacknowledged
  (Linux), so the kernel itself drops a connection whose packets no longer arrive.

A request that meets any of these answers 503 with ``Retry-After``, as when the server is down.

The limits and timeouts themselves are in shared/config_bounds.py; what makes a key strong
enough, and the keys the embedded mode generates, in shared/signing_keys.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from environs import Env

from shared.config_bounds import DEFAULT_LIMITS, DatabaseTimeouts
from shared.signing_keys import SECRET_ADVICE, local_audit_key, local_secret, secret_weakness

SERVICES = ("registry", "staffing", "inspection", "notification")
ENVIRONMENTS = ("development", "production")  # GOVHALL_ENV; unset or empty is development


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
    jwt_issuer: str = "govhall"
    jwt_audience: str = "govhall"
    var_dir: str = "var"
    calendar_file: str | None = None
    outbox_poll_interval: float = 0.2
    outbox_batch_size: int = 100
    outbox_retention_days: int = 7
    consumer_max_attempts: int = 5
    retry_base_delay: float = 1.0
    retry_max_delay: float = 300.0
    broker_max_reconnect_delay: float = 2.0
    # A message bigger than this is not parsed: kept (truncated) as a dead letter, whole on the
    # broker's dead-letter exchange.
    consumer_max_message_bytes: int = 1024 * 1024
    # Deliveries of one message before RabbitMQ itself dead-letters it (x-delivery-limit of the
    # quorum queues). The consumer returns a message only while its database is down, every
    # half second, so this must outlast an outage: 100,000 returns are about 14 hours.
    queue_delivery_limit: int = 100_000
    case_yellow_days: int = 2
    forwarded_proxies: int = 0  # trusted proxies in front setting X-Forwarded-* (0: none)
    # All four services in this one process (`govhall up`): the only place memory:// works.
    embedded: bool = False
    audit_key: str = ""
    audit_keys: tuple[str, ...] = ()  # retired audit keys, verified only
    audit_checkpoint_interval: float = 300.0
    audit_chain_inline: bool = False  # each write chains its own record (the lock on every write)
    migrate_database_url: str = ""  # the owner's login for `govhall migrate` ("": database_url)
    database_timeouts: DatabaseTimeouts = field(default_factory=lambda: DatabaseTimeouts())
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
    def is_isolated(self) -> bool:
        """On the in-process broker outside the embedded mode: no event reaches another
        process (a `serve` never reaches its `worker`), so nothing is delivered anywhere."""
        return self.is_memory_broker and not self.embedded

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
        "jwt_issuer": env.str("JWT_ISSUER", "govhall"),
        "jwt_audience": env.str("JWT_AUDIENCE", "govhall"),
        "var_dir": var_dir,
        "calendar_file": env.str("HALL_CALENDAR_FILE", None),
        "outbox_poll_interval": env.float("OUTBOX_POLL_INTERVAL", 0.2),
        "outbox_retention_days": env.int("OUTBOX_RETENTION_DAYS", 7),
        "consumer_max_attempts": env.int("CONSUMER_MAX_ATTEMPTS", 5),
        "retry_base_delay": env.float("RETRY_BASE_DELAY", 1.0),
        "retry_max_delay": env.float("RETRY_MAX_DELAY", 300.0),
        "consumer_max_message_bytes": env.int("CONSUMER_MAX_MESSAGE_BYTES", 1024 * 1024),
        "queue_delivery_limit": env.int("QUEUE_DELIVERY_LIMIT", 100_000),
        "case_yellow_days": env.int("CASE_YELLOW_DAYS", 2),
        "forwarded_proxies": env.int("FORWARDED_PROXIES", 0),
        "audit_key": env.str("AUDIT_KEY", ""),
        "audit_keys": _keys(env.str("AUDIT_KEYS", "")),
        "audit_checkpoint_interval": env.float("AUDIT_CHECKPOINT_INTERVAL", 300.0),
        "audit_chain_inline": env.bool("AUDIT_CHAIN_INLINE", False),
        "migrate_database_url": env.str(
            f"{service.upper()}_MIGRATE_DATABASE_URL", env.str("MIGRATE_DATABASE_URL", "")
        ),
        "database_timeouts": DatabaseTimeouts.from_env(env),
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
    if environment() == "production":
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
    weakness = secret_weakness(key)
    if weakness is not None or key == settings.jwt_secret:
        raise ConfigError(
            f"AUDIT_KEY is too weak ({weakness or 'it is JWT_SECRET'}): 256 bits or more from a "
            'CSPRNG, e.g. `python -c "import secrets; print(secrets.token_hex(32))"` or '
            "`openssl rand -hex 32`, and not JWT_SECRET"
        )


def check_production(settings: Settings) -> None:
    """Refuse what only the embedded mode may use: a generated key would differ per pod (and
    sit on its disk), the in-memory broker reaches no other process, SQLite no other machine."""
    secret = settings.jwt_secret
    if not secret:
        raise ConfigError("JWT_SECRET is not set; production never generates a signing key")
    weakness = secret_weakness(secret)
    if weakness:
        raise ConfigError(f"JWT_SECRET is too weak: {weakness}. {SECRET_ADVICE}")
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


def check_separate_process(settings: Settings) -> None:
    """`govhall serve` and `worker` are separate processes: the in-memory broker would leave
    each alone with its own events, while /readyz called the broker fine."""
    if settings.is_memory_broker:
        raise ConfigError(
            "BROKER_URL is memory:// (or unset): a separate `serve` or `worker` process reaches "
            "no other process over it. Set BROKER_URL to RabbitMQ (amqp://…), or run all four "
            "services in one process with `govhall up`"
        )


def environment() -> str:
    """GOVHALL_ENV, one of ENVIRONMENTS: a typo (`prod`) must not start as development."""
    value = os.environ.get("GOVHALL_ENV", "")
    if not value:
        return "development"
    if value not in ENVIRONMENTS:
        raise ConfigError(
            f"GOVHALL_ENV={value!r} is not one of {', '.join(ENVIRONMENTS)} "
            "(unset means development)"
        )
    return value
