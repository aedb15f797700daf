"""The approval seal (EQ-4.2): used only for approvals, kept and used by the chief representative
(custodian A) and the deputy (custodian B), who answer for every use.

Custody follows the office, not the registration: a use is checked against whoever serves as
chief representative and deputy on the day, so a new chief takes the seal over without anyone
re-registering it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.errors import Invalid, RuleViolation

RULE = "EQ-4.2"
APPROVAL = "approval"


class Refusal(StrEnum):
    NOT_CUSTODIAN = "not_custodian"
    NOT_APPROVAL = "not_approval"


@dataclass(frozen=True)
class Custodians:
    """The chief representative (A) and the deputy (B) serving now."""

    a: str
    b: str | None

    def include(self, staff_id: str) -> bool:
        return staff_id in (self.a, self.b)


def custodians(chief_staff_id: str | None, deputy_staff_id: str | None) -> Custodians | None:
    return Custodians(chief_staff_id, deputy_staff_id) if chief_staff_id else None


def check_registration(
    serving: Custodians | None, custodian_a: str, custodian_b: str, name: str
) -> None:
    """The seal is registered into the keeping of the serving chief representative and deputy."""
    if not name.strip():
        raise Invalid("name the seal, as it reads", field="name")
    if serving is None:
        raise RuleViolation(
            "the unit has no chief representative to keep the seal; appoint one first "
            "(EQ-3.1b, EQ-4.2)",
            rule=RULE,
            field="custodian_a",
        )
    if serving.b is None:
        raise RuleViolation(
            "the chief representative has no deputy (B) to share custody; name one first",
            rule=RULE,
            field="custodian_b",
        )
    errors: dict[str, list[str]] = {}
    if custodian_a != serving.a:
        errors["custodian_a"] = [f"custodian A is the chief representative, {serving.a}"]
    if custodian_b != serving.b:
        errors["custodian_b"] = [f"custodian B is the chief representative's deputy, {serving.b}"]
    if errors:
        raise RuleViolation(
            "the seal is kept by the chief representative (A) and the deputy (B) only (EQ-4.2)",
            rule=RULE,
            errors=errors,
        )


def normal_purpose(purpose: str) -> str:
    return purpose.strip().lower()


def check_use(serving: Custodians | None, staff_id: str, purpose: str) -> Refusal | None:
    """Why this use must be refused, or None. Refusals are recorded, so this never raises."""
    if serving is None or not serving.include(staff_id):
        return Refusal.NOT_CUSTODIAN
    if normal_purpose(purpose) != APPROVAL:
        return Refusal.NOT_APPROVAL
    return None


def refused(refusal: Refusal, staff_id: str) -> RuleViolation:
    if refusal is Refusal.NOT_CUSTODIAN:
        return RuleViolation(
            f"{staff_id} does not keep this seal: only the chief representative (A) and the "
            "deputy (B) use it (EQ-4.2); the attempt was recorded",
            rule=RULE,
            field="staff_id",
        )
    return RuleViolation(
        "the approval seal is used only for approvals (EQ-4.2); the attempt was recorded",
        rule=RULE,
        field="purpose",
    )
