"""Inboxes: how a recipient is named, and who may read it or give it an e-mail address.

A recipient is an inbox key:

- a role: `authority`, `center`, `inspector`;
- `unit:<code>`, a unit's office;
- `staff:<unit code>:<staff id>`, one member of a unit's staff (B told to cover, the chief
  representative asked to decide). The unit is in the key, so whether a unit token may read it
  needs no lookup: staff have no token, their unit reads (and keeps the address of) their inbox;
- `district:<name>`, the district of a sanctioned window (no token: the overseers read it);
- `integrator:<sub>`, the owner of webhook subscriptions;
- `case:<receipt number>`, the applicant of a case, read without a token by whoever holds the
  receipt number and its query code. It never has an e-mail address: notification keeps no
  contact of the public (case events carry no personal data).

Plain Python: the API and the handlers ask, these answer.
"""

from __future__ import annotations

import re

ROLE_KEYS = ("authority", "center", "inspector")
# They oversee the hall: they read any inbox they name, a district's included (no token is a
# district's: its notices of sanctioned windows would otherwise be read by nobody).
OVERSEERS = ("authority", "center")
MAX_KEY = 100  # the width of `notices.recipient` and `email_addresses.inbox_key`

SCOPED_KEY = re.compile(r"^(unit|district|integrator|case):\S.{0,90}$")
# Unit codes (services/registry/domain/units.py) and staff ids have no colon, so the key splits
# unambiguously into unit and staff id.
STAFF_KEY = re.compile(r"^staff:(?P<unit>[^\s:]{1,63}):(?P<staff>[^\s:]{1,36})$")


def unit_key(code: str) -> str:
    return f"unit:{code}"


def staff_key(unit_code: str, staff_id: str) -> str:
    return f"staff:{unit_code}:{staff_id}"


def case_key(receipt_number: str) -> str:
    return f"case:{receipt_number}"


def is_inbox_key(key: str) -> bool:
    if len(key) > MAX_KEY:
        return False
    return key in ROLE_KEYS or bool(SCOPED_KEY.match(key) or STAFF_KEY.match(key))


def is_addressable(key: str) -> bool:
    """An inbox that may have an e-mail address: any but an applicant's."""
    return is_inbox_key(key) and not key.startswith("case:")


def staff_unit(key: str) -> str | None:
    """The unit a staff inbox belongs to; None for any other key."""
    found = STAFF_KEY.match(key)
    return found["unit"] if found else None


def own_inbox(role: str, unit: str | None, sub: str | None = None) -> str:
    if role == "unit":
        return unit_key(str(unit))
    if role == "integrator":
        return f"integrator:{sub}"
    return role


def inbox_keys(
    role: str, unit: str | None, recipient: str | None = None, *, sub: str | None = None
) -> tuple[str, ...]:
    """The inboxes a caller reads: its own, or the one it names if it may read that one (the
    overseers any, a unit its own staff's); none if it may not."""
    own = own_inbox(role, unit, sub)
    if recipient is None or recipient == own:
        return (own,)
    if role in OVERSEERS:
        return (recipient,)
    if role == "unit" and unit is not None and staff_unit(recipient) == unit:
        return (recipient,)
    return ()


def may_address(role: str, unit: str | None, key: str) -> bool:
    """Whether the caller may set or remove the e-mail address of inbox `key` (already known to
    be addressable): the center any, a unit only its own staff's."""
    if role == "center":
        return True
    return role == "unit" and unit is not None and staff_unit(key) == unit
