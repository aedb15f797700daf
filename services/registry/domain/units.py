"""Units: the departments (direct supervising units) that run windows and send staff (TJ-1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shared.errors import Invalid

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    district: str
    registered_at: datetime


def new_unit(code: str, name: str, district: str, now: datetime) -> Unit:
    """A unit as the authority registers it; its code is how every service will name it.

    The code is kept exactly as sent, never rewritten: one not already canonical (upper case,
    spaces) is refused, so no service can later answer 404 for the code the client itself sent
    (docs/architecture.md, "Identifiers")."""
    if not CODE_PATTERN.match(code):
        raise Invalid(
            "a unit code is 2–63 lower-case letters, digits or hyphens, starting with a letter "
            "or digit, sent as it is kept: upper case or surrounding spaces are refused, not "
            "rewritten",
            field="code",
        )
    name, district = name.strip(), district.strip()
    if not name:
        raise Invalid("a unit needs a name", field="name")
    if not district:
        raise Invalid("a unit needs its district", field="district")
    return Unit(code=code, name=name, district=district, registered_at=now)
