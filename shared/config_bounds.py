"""The bounds a service runs within, as configured: the public endpoints' default rate limits
and how long PostgreSQL may keep us waiting. The variables that set them are listed in
shared/config.py's docstring; `Settings` (shared/config.py) carries both."""

from __future__ import annotations

from dataclasses import dataclass, replace

from environs import Env

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


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long PostgreSQL may keep us waiting, in seconds (0: no bound); the variables that
    set it are in shared/config.py's docstring."""

    connect: float = 3.0
    ping: float = 2.0
    reply: float = 7.0
    read: float = 3.0  # the lean read path's bound for an answer (shared/reads.py)
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
            read=env.float("DB_READ_TIMEOUT", defaults.read),
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
        return replace(self, reply=0.0, read=0.0, statement=0.0, lock=0.0, idle_in_transaction=0.0)
