"""E-mail rules: who has an address, when to try again, when to give up, and the SMTP settings.

Plain Python: the handlers store and send, these decide.

Settings come from the environment (all optional):

- ``SMTP_HOST``: the server; unset, e-mail is disabled: deliveries are still recorded and stay
  ``pending`` until a server is configured (nothing is lost, `/readyz` is unaffected).
- ``SMTP_PORT`` (25), ``SMTP_STARTTLS`` (false), ``SMTP_USERNAME`` and ``SMTP_PASSWORD`` (log in
  only when a user name is set), ``SMTP_FROM`` (``govhall@localhost``), ``SMTP_TIMEOUT`` (10 s).
- ``SMTP_CA_FILE``: the CA bundle that vouches for the server's certificate under STARTTLS
  (default: the system's). The certificate and host name are always verified: credentials are
  never sent to a server that cannot prove who it is.
- ``EMAIL_MAX_ATTEMPTS`` (8): attempts before a delivery is dead-lettered (status ``dead``).
- ``EMAIL_RETRY_BASE_DELAY`` (30 s) and ``EMAIL_RETRY_MAX_DELAY`` (3600 s): the back-off,
  base × 2^(attempts − 1), capped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from services.notification.domain import inboxes

LANGUAGES = ("zh", "en")
STATUSES = ("pending", "sent", "dead")
# Deliberately loose: one @, something each side, no spaces. The server is the judge.
ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class EmailSettings:
    host: str | None
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "govhall@localhost"
    timeout: float = 10.0
    ca_file: str | None = None
    max_attempts: int = 8
    base_delay: float = 30.0
    max_delay: float = 3600.0

    @property
    def enabled(self) -> bool:
        return bool(self.host)


def settings_from(env: Mapping[str, str]) -> EmailSettings:
    """The e-mail settings of a process environment (`os.environ`)."""
    return EmailSettings(
        host=env.get("SMTP_HOST") or None,
        port=int(env.get("SMTP_PORT") or 25),
        starttls=(env.get("SMTP_STARTTLS") or "").strip().lower() in TRUE,
        username=env.get("SMTP_USERNAME") or None,
        password=env.get("SMTP_PASSWORD") or None,
        sender=env.get("SMTP_FROM") or "govhall@localhost",
        timeout=float(env.get("SMTP_TIMEOUT") or 10),
        ca_file=env.get("SMTP_CA_FILE") or None,
        max_attempts=max(1, int(env.get("EMAIL_MAX_ATTEMPTS") or 8)),
        base_delay=float(env.get("EMAIL_RETRY_BASE_DELAY") or 30),
        max_delay=float(env.get("EMAIL_RETRY_MAX_DELAY") or 3600),
    )


def is_inbox_key(key: str) -> bool:
    """An address book entry is for an inbox that may have an address: a role, `unit:<code>`,
    `staff:<unit code>:<staff id>`, `district:<name>` or `integrator:<sub>`; never an
    applicant's `case:<receipt number>` (notification keeps no contact of the public)."""
    return inboxes.is_addressable(key)


def is_address(address: str) -> bool:
    return len(address) <= 254 and bool(ADDRESS.match(address))


def unit_address(contacts: Iterable[Mapping[str, Any]]) -> str | None:
    """The first contact registry gave with a usable e-mail address, if any."""
    for contact in contacts:
        address = (contact.get("email") or "").strip()
        if is_address(address):
            return address
    return None


def backoff(attempts: int, base: float, cap: float) -> timedelta:
    """How long to wait after the `attempts`-th failure: base, 2×base, 4×base, … up to cap."""
    exponent = min(max(attempts - 1, 0), 30)  # 2**30 × any base already exceeds any cap
    return timedelta(seconds=min(base * 2**exponent, cap))


def after_failure(attempts: int, max_attempts: int) -> str:
    """A delivery's status once its `attempts`-th attempt failed: tried again, or dead."""
    return "dead" if attempts >= max_attempts else "pending"
